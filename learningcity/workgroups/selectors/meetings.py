"""meetings — to be written."""
