"""PostgreSQL's own numbered migrations; each runs once, in its own transaction. Append, never edit.

The numbers are this backend's, not SQLite's (bot/storage/migrations.py): each backend owns its
dialect. So far the store keeps the core's part of the contract (bot/storage/contracts.CoreStore).
"""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE conversations (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT '{}',
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (channel, chat_id, user_id)
        );
        CREATE TABLE button_payloads (
            token TEXT PRIMARY KEY,
            payload TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE pending_notices (
            id BIGSERIAL PRIMARY KEY,
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            reply TEXT NOT NULL,
            ref TEXT NOT NULL DEFAULT '',
            created_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX pending_notices_to ON pending_notices(channel, chat_id);
        """,
    ),
]
