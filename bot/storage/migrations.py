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

MIGRATIONS.append(
    (
        2,
        """
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            ref TEXT NOT NULL UNIQUE,             -- L-2026-0001: prefix by kind, year, sequence
            token TEXT NOT NULL UNIQUE,           -- the form's submission id: a retried submit is not a duplicate
            kind TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new',   -- new, claimed, answered, closed (reopened -> claimed/new)
            answers TEXT NOT NULL,                -- JSON object, field name -> value
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            lang TEXT NOT NULL,
            assignee TEXT,
            unreachable INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            erased_at REAL                        -- personal fields erased (/forget or purge)
        );
        CREATE INDEX requests_status_kind ON requests(status, kind);
        CREATE INDEX requests_requester ON requests(channel, user_id);
        CREATE TABLE ref_counters (
            prefix TEXT NOT NULL,
            year INTEGER NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (prefix, year)
        );
        CREATE TABLE request_events (            -- the audit trail: every change, reply and note
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            at REAL NOT NULL,
            actor TEXT NOT NULL,                  -- "channel:user" of staff or requester, or "system"
            action TEXT NOT NULL,                 -- submitted, claimed, reply, requester_reply, note, closed, reopened, erased, refused
            text TEXT
        );
        CREATE INDEX request_events_request ON request_events(request_id);
        """,
    )
)

MIGRATIONS.append(
    (
        3,
        """
        -- 1 after a staff reply until the requester answers back (their next message goes to staff)
        ALTER TABLE requests ADD COLUMN awaiting_answer INTEGER NOT NULL DEFAULT 0;
        -- when the request was last closed: the retention period for personal fields counts from here
        ALTER TABLE requests ADD COLUMN closed_at REAL;
        CREATE INDEX requests_closed ON requests(status, closed_at);
        """,
    )
)

MIGRATIONS.append(
    (
        4,
        """
        CREATE TABLE telegram_payloads (          -- button payloads too long for 64-byte callback_data
            token TEXT PRIMARY KEY,               -- "~" + hash of the payload, what the button carries
            payload TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        """,
    )
)

MIGRATIONS.append(
    (
        5,
        """
        -- every channel stores its long button payloads here now, not only Telegram
        ALTER TABLE telegram_payloads RENAME TO button_payloads;
        CREATE TABLE pending_notices (            -- a notice for someone who cannot be reached right now
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            reply TEXT NOT NULL,                  -- JSON of the Reply (bot/core/outbox.py)
            ref TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE INDEX pending_notices_to ON pending_notices(channel, chat_id);
        """,
    )
)

MIGRATIONS.append(
    (
        6,
        """
        -- the staff console's accounts: one person, whatever channel they work from
        CREATE TABLE staff_accounts (
            id INTEGER PRIMARY KEY,
            login TEXT NOT NULL UNIQUE,           -- what they type at the login page
            password_hash TEXT NOT NULL,          -- scrypt$n$r$p$salt$hash (bot/staff/passwords.py)
            must_change INTEGER NOT NULL DEFAULT 1,  -- a one-time password: a new one first
            is_admin INTEGER NOT NULL DEFAULT 0,
            lang TEXT NOT NULL DEFAULT 'ja',      -- the console's language for them
            created_at REAL NOT NULL,
            disabled_at REAL                      -- set: no login, no session, no staff rights
        );
        CREATE TABLE staff_identities (           -- their chat identities, "telegram:123", "line:U…"
            identity TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES staff_accounts(id)
        );
        CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,          -- sha256 of the cookie: a copied database logs no one in
            account_id INTEGER NOT NULL REFERENCES staff_accounts(id),
            csrf TEXT NOT NULL,                   -- the token every form and htmx request carries back
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE INDEX staff_sessions_account ON staff_sessions(account_id);
        CREATE TABLE login_failures (             -- recent wrong passwords, per login and per address
            key TEXT NOT NULL,                    -- "login:<name>" or "addr:<ip>"
            at REAL NOT NULL
        );
        CREATE INDEX login_failures_key ON login_failures(key, at);
        """,
    )
)

MIGRATIONS.append(
    (
        7,
        """
        -- what the bot could not answer (bot/unanswered/log.py), kept for the staff console
        CREATE TABLE unanswered (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            lang TEXT NOT NULL,
            kind TEXT NOT NULL,                   -- none, ignored_suggestion, low_confidence
            text TEXT NOT NULL,                   -- what they asked, cut to 500 characters
            topics TEXT NOT NULL DEFAULT '[]',    -- JSON [[topic_id, score], ...], the best 3
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,                -- where a staff answer goes, and what /forget erases
            user_id TEXT NOT NULL DEFAULT ''      -- who asked: /forget erases by person, a request names them
        );
        CREATE INDEX unanswered_at ON unanswered(at);
        CREATE INDEX unanswered_person ON unanswered(channel, user_id);
        -- every knowledge question counted, answered or not, per office week (its Monday) and language
        CREATE TABLE question_counts (
            week TEXT NOT NULL,
            lang TEXT NOT NULL,
            answered INTEGER NOT NULL DEFAULT 0,
            unanswered INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (week, lang)
        );
        -- the console: the queue by status oldest first, its poll for "has anything changed", the
        -- dashboard's weeks (IF NOT EXISTS: an early copy of migration 6 created the first two)
        CREATE INDEX IF NOT EXISTS requests_status_created ON requests(status, created_at);
        CREATE INDEX IF NOT EXISTS requests_updated ON requests(updated_at);
        CREATE INDEX IF NOT EXISTS requests_created ON requests(created_at);
        """,
    )
)
