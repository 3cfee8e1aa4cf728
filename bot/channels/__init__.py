"""Channels: each package turns one platform's traffic into Incoming and delivers Replies back.

What a channel implements is bot/core/channel.py; shaping.py fits replies to a channel's limits.
"""
