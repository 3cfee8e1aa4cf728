"""The `madoguchi` command."""
