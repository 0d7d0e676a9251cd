"""tasks — to be written."""
