"""What the bot could not answer: the log (log.py) and how a message's outcome becomes an entry (watch.py)."""
