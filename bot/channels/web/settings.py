"""[web] in config.toml: the staff console at /staff/ on the server of `madoguchi run`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import SettingsReader


@dataclass(frozen=True)
class WebSettings:
    enabled: bool
    session_hours: float  # a login lasts this long
    first_response_hours: float  # a request waiting longer for its first staff reply is coloured
    refresh_seconds: float  # how often an open queue page asks for new requests


def read_web(r: SettingsReader) -> WebSettings:
    return WebSettings(
        enabled=r.optional("web.enabled", bool, True, "true to serve the staff console at /staff/, false not to"),
        session_hours=r.number("web.session_hours", 0.1, 24 * 30, "hours a login lasts, e.g. 12", default=12.0),
        first_response_hours=r.number(
            "web.first_response_hours", 0.1, 24 * 365, "hours, e.g. 24 (the first-response target)", default=24.0
        ),
        refresh_seconds=r.number(
            "web.refresh_seconds", 1, 600, "seconds between checks for new requests, e.g. 5", default=5.0
        ),
    )
