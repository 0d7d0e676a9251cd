"""documents — to be written."""
