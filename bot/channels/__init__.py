"""Channels: each package turns one platform's traffic into Incoming and delivers Replies back.

contract.py says what a channel implements; shaping.py fits replies to a channel's limits.
"""
