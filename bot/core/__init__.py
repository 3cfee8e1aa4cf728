"""The channel-neutral core: routing, the handlers' context, the channel contract, the inbox and outbox."""
