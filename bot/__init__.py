"""Madoguchi: the inquiry counter of CLAIR's Seoul office, channel-neutral core."""
