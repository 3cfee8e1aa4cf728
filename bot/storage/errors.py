"""What every store raises when its database cannot be opened, migrated or written."""


class StorageUnavailable(Exception):
    """The message names the database (never a password), the cause and the fix; start-up stops
    with exit status 2 (bot/cli/main.py): restarting will not help until someone fixes it."""
