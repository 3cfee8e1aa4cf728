"""The request queue: submitted requests, their references, status changes and audit, export."""
