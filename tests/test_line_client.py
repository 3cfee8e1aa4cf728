"""The LINE SDK client reads the environment's proxy once, at start, and never per request."""
from __future__ import annotations

import asyncio

import pytest

from bot.channels.line.client import env_proxy, sdk_client


def test_the_environments_proxy_is_found_once_and_no_proxy_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert env_proxy("https://api.line.me") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert env_proxy("https://api.line.me") == "http://proxy.example:3128"
    assert env_proxy("https://api-data.line.me") == "http://proxy.example:3128"
    assert env_proxy("http://127.0.0.1:8080") is None  # http: no HTTP_PROXY, and 127.0.0.1 is bypassed anyway
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    assert env_proxy("http://127.0.0.1:8080") is None
    assert env_proxy("http://fake-line.test:8080") == "http://proxy.example:3128"


def test_the_sdk_client_sends_through_that_proxy_without_reading_the_environment_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    async def go() -> tuple[object, bool, bool]:
        client = await sdk_client("https://api.line.me", "token")
        try:
            session = client.rest_client.pool_manager
            return client.rest_client.proxy, session.trust_env, session.closed
        finally:
            await client.close()

    proxy, trust_env, closed = asyncio.run(go())
    assert proxy == "http://proxy.example:3128" and trust_env is False and closed is False
