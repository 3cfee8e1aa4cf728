"""Numbered schema migrations; each runs once, in its own transaction. Append, never edit."""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE conversations (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT '{}',   -- JSON: language, pending question, form progress
            updated_at REAL NOT NULL,
            PRIMARY KEY (channel, chat_id, user_id)
        );
        """,
    ),
]
