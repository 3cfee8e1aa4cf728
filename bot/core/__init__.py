"""The channel-neutral core: messages, conversation state, routing, and the inbox and outbox."""
