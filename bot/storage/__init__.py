"""The database: the one object that owns it, its numbered migrations, and small tables of its own."""
