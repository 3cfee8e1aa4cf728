"""The PostgreSQL backend (asyncpg, the optional extra `madoguchi[postgres]`): imported only when used."""
