"""[line] in config.toml. Imports nothing of line-bot-sdk: the SDK loads only when LINE is enabled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsReader, StartError


@dataclass(frozen=True)
class LineSettings:
    enabled: bool
    webhook_path: str
    channel_secret_env: str
    access_token_env: str
    api_base_url: str  # "" = LINE's own; also the content host unless data_api_base_url is set
    data_api_base_url: str
    staff_group_id: str
    loading_after_seconds: float


@dataclass(frozen=True)
class LineSecrets:
    channel_secret: str
    access_token: str


def read_line(r: SettingsReader) -> LineSettings:
    path = r.optional("line.webhook_path", str, "/line/webhook", 'a path such as "/line/webhook"')
    if not path.startswith("/"):
        raise r.fail("line.webhook_path", f"is '{path}'", 'start it with "/", e.g. "/line/webhook"')
    group = r.optional("line.staff_group_id", str, "", 'the staff group\'s id ("C…"), or "" for none')
    if group and not group.startswith("C"):
        raise r.fail("line.staff_group_id", f"is '{group}'", 'LINE group ids start with "C"; or use ""')
    return LineSettings(
        enabled=r.get("line.enabled", bool, "true to serve LINE in `madoguchi run`, false to leave it off"),
        webhook_path=path,
        channel_secret_env=r.optional(
            "line.channel_secret_env",
            str,
            "LINE_CHANNEL_SECRET",
            "the NAME of the environment variable holding the channel secret",
        ),
        access_token_env=r.optional(
            "line.access_token_env",
            str,
            "LINE_CHANNEL_ACCESS_TOKEN",
            "the NAME of the environment variable holding the channel access token",
        ),
        api_base_url=r.optional("line.api_base_url", str, "", '"" for LINE\'s own servers, or a proxy URL'),
        data_api_base_url=r.optional("line.data_api_base_url", str, "", '"" to use api_base_url (or LINE\'s own)'),
        staff_group_id=group,
        loading_after_seconds=r.number(
            "line.loading_after_seconds", 0, 60, "seconds before the loading animation shows, e.g. 1", default=1.0
        ),
    )


def read_line_secrets(settings: LineSettings, env: Mapping[str, str]) -> LineSecrets:
    found = {}
    for key, name, what in (
        ("line.channel_secret_env", settings.channel_secret_env, "channel secret"),
        ("line.access_token_env", settings.access_token_env, "channel access token"),
    ):
        value = env.get(name, "").strip()
        if not value:
            raise StartError(
                f"LINE is enabled but the environment variable {name} (named by [{key.replace('.', '] ')}) "
                f"is not set. Fix: export {name}=<the {what} from the LINE Developers console, "
                "Messaging API channel>, or set [line] enabled = false."
            )
        found[key] = value
    return LineSecrets(found["line.channel_secret_env"], found["line.access_token_env"])
