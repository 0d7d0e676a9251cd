"""plan — to be written."""
