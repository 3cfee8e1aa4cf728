"""Wording: jinja2 templates and short labels per language."""
