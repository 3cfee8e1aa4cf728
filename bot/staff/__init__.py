"""Staff accounts: who may work the queue, from the web console and from any chat channel."""
