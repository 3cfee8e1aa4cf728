"""One module per page of the console; bot/channels/web/routes.py lists them all."""
