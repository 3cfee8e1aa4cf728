"""Request forms declared as data (knowledge/forms/*.toml) and the validators of their fields."""
