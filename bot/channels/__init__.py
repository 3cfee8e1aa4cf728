"""Channel adapters: each turns a platform's updates into Incoming and sends Replies back."""
