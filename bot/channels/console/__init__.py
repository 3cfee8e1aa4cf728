"""The console channel: the terminal shell."""
