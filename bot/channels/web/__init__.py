"""The staff console: a web page on the one web server where the office works the queue."""
