"""Handlers: each takes a Context and returns the replies, as data; templates do the wording."""
