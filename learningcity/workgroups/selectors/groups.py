"""groups — to be written."""
