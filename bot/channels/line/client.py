"""line-bot-sdk's API client, with the environment's proxy read once instead of on every call.

The SDK makes its aiohttp session with trust_env=True, and aiohttp then looks up the proxy
variables and ~/.netrc in a worker thread for every request: a thread hand-off per reply, which
under load cost about a sixth of the bot's CPU (bench/line_throughput.py: 511 -> 663 events a
second). Here the same variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) are read once, at start, and
given to the SDK as its own `proxy` setting; the session it sends with does not read them again.
"""

from __future__ import annotations

import ssl
import urllib.request
from urllib.parse import urlsplit

import aiohttp
from linebot.v3.messaging import AsyncApiClient, Configuration


def env_proxy(host_url: str) -> str | None:
    """The proxy the environment names for this host, as aiohttp's trust_env would find it."""
    parts = urlsplit(host_url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme) or None


async def sdk_client(host: str, access_token: str) -> AsyncApiClient:
    config = Configuration(host=host, access_token=access_token)
    config.proxy = env_proxy(host)
    client = AsyncApiClient(config)
    rest = client.rest_client
    made = rest.pool_manager
    # the SDK's own connector settings (its pool size, the default certificate store)
    connector = aiohttp.TCPConnector(
        limit=made.connector.limit if made.connector else 100, ssl=ssl.create_default_context()
    )
    rest.pool_manager = aiohttp.ClientSession(connector=connector, trust_env=False)
    await made.close()
    return client
