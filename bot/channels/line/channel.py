"""The LINE channel, on line-bot-sdk v3's async API.

In: LINE POSTs events to [line] webhook_path. The signature (HMAC-SHA256 of the raw body with the
channel secret, in X-Line-Signature) is checked before anything else; a request without the
right one gets 400 and nothing is processed. Each event is handled once (by webhookEventId, so a
redelivery is not answered twice), one user's events in order, and the response goes back after
they are handled, so an event that failed with a crash is redelivered by LINE.

Out: the first messages answer with the event's reply token (free, and at most 5 per call);
anything after that, or when the token is used or too old, goes by push with an X-Line-Retry-Key,
so a retried push never doubles a message. A push refused for the monthly quota is kept by the
outbox and delivered when the person next writes. Buttons are a quick reply of postback actions on
the last message. A document goes as a short-lived link (files.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    ShowLoadingAnimationRequest,
)
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import Event, FollowEvent, JoinEvent, MessageEvent, PostbackEvent, UnfollowEvent, UserSource

from bot.channels.attachments import Attachments
from bot.channels.line.client import sdk_client
from bot.channels.line.events import CHANNEL, to_incoming
from bot.channels.line.files import KEEP_SECONDS, FileShelf
from bot.channels.line.settings import LineSecrets, LineSettings
from bot.channels.line.wire import Messages, Sender, Wire, build_messages
from bot.channels.shaping import batches, fit
from bot.core.channel import Delivery, Limits
from bot.core.inbox import Inbox
from bot.messages import Address, Incoming, Photo, Reply
from bot.rendering.renderer import Labels
from bot.settings import StartError
from bot.storage.payloads import PayloadTable

log = logging.getLogger(__name__)

LINE_API = "https://api.line.me"
LINE_DATA_API = "https://api-data.line.me"
SIGNATURE_HEADER = "X-Line-Signature"
REPLY_TOKEN_SECONDS = 50.0  # LINE accepts a reply token for about a minute; push after this
PUSH_ATTEMPTS = 3
LOADING_SECONDS = 20  # how long LINE shows the animation at most (a multiple of 5); a reply ends it
SEEN_EVENTS = 10_000  # webhookEventIds remembered, newest kept
LABELS = Labels([Path(__file__).with_name("labels.toml")])


class LineChannel:
    name = CHANNEL
    limits = Limits(max_text=5000, max_buttons=13, max_label=20, max_payload_bytes=300, max_messages_per_call=5)

    def __init__(
        self,
        settings: LineSettings,
        secrets: LineSecrets,
        inbox: Inbox,
        payloads: PayloadTable,
        attachments: Attachments,
        public_url: str,
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.inbox = inbox
        self.payloads = payloads
        self.attachments = attachments
        self.public_url = public_url.rstrip("/")
        self.parser = WebhookParser(secrets.channel_secret)
        self.files = FileShelf(settings.webhook_path.rstrip("/") + "-files")
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.messages = Messages()
        self.loading: set[asyncio.Task[None]] = set()
        self.bot_user_id = ""
        self.clients: list[AsyncApiClient] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def web_routes(self) -> Sequence[web.RouteDef]:
        return (web.post(self.settings.webhook_path, self.webhook), self.files.route())

    async def start(self) -> None:
        api_host = self.settings.api_base_url.rstrip("/") or LINE_API
        data_host = (self.settings.data_api_base_url or self.settings.api_base_url).rstrip("/") or LINE_DATA_API
        api_client = await sdk_client(api_host, self.secrets.access_token)
        data_client = await sdk_client(data_host, self.secrets.access_token)
        self.clients = [api_client, data_client]
        self.api = AsyncMessagingApi(api_client)
        self.sender = Sender(api_client)
        self.blob = AsyncMessagingApiBlob(data_client)
        try:
            info = await self.api.get_bot_info()
        except ApiException as exc:
            await self.stop()
            if exc.status == 401:
                raise StartError(
                    "LINE refused the channel access token in the environment variable "
                    f"{self.settings.access_token_env} (401). Fix: issue a long-lived channel access "
                    "token in the LINE Developers console (Messaging API tab) and export it."
                ) from None
            raise StartError(f"LINE's API answered {exc.status} at start-up ({exc.reason}); try again later.") from None
        self.bot_user_id = info.user_id
        log.info(
            "line: %s (%s) is running, webhook at %s", info.display_name, info.basic_id, self.settings.webhook_path
        )

    async def stop(self) -> None:
        for client in self.clients:
            await client.close()
        self.clients = []

    def staff_places(self) -> Sequence[Address]:
        group = self.settings.staff_group_id
        return (Address(CHANNEL, group),) if group else ()

    # -- inbound -----------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature:
            log.warning("line webhook request from %s without a signature: refused", request.remote)
            return web.Response(status=400, text="missing signature")
        body = await request.read()
        try:
            events = self.parser.parse(body.decode("utf-8"), signature)
        except (InvalidSignatureError, UnicodeDecodeError):
            log.warning("line webhook request from %s with a wrong signature: refused", request.remote)
            return web.Response(status=400, text="bad signature")
        except Exception:  # noqa: BLE001 - signed but unreadable: nothing to process
            log.warning("line webhook request with a valid signature but an unreadable body: refused")
            return web.Response(status=400, text="bad body")
        fresh = [event for event in events if self._first_time(event)]
        results: list[BaseException | None]
        if len(fresh) == 1:  # the usual case: no task to run it beside others
            try:
                await self._handle(fresh[0])
                results = [None]
            except Exception as exc:  # noqa: BLE001 - logged below with the event id, and LINE retries
                results = [exc]
        else:
            results = list(await asyncio.gather(*(self._handle(event) for event in fresh), return_exceptions=True))
        failed = [e for e, result in zip(fresh, results, strict=True) if isinstance(result, BaseException)]
        for event, result in zip(fresh, results, strict=True):
            if isinstance(result, BaseException):
                self.seen.pop(event.webhook_event_id, None)  # let LINE's redelivery try again
                log.error("line event %s failed", event.webhook_event_id, exc_info=result)
        return web.Response(status=500 if failed else 200, text="ok" if not failed else "failed")

    def _first_time(self, event: Event) -> bool:
        event_id = event.webhook_event_id
        if event_id in self.seen:
            log.info("line event %s already handled: ignored", event_id)
            return False
        self.seen[event_id] = None
        if len(self.seen) > SEEN_EVENTS:
            self.seen.popitem(last=False)
        return True

    async def _handle(self, event: Event) -> None:
        if isinstance(event, UnfollowEvent) and isinstance(event.source, UserSource) and event.source.user_id:
            await self.inbox.blocked(Address(CHANNEL, event.source.user_id))
            return
        if isinstance(event, JoinEvent):
            group = getattr(event.source, "group_id", None) or getattr(event.source, "room_id", None)
            log.info("added to a LINE group: its id is %s (for [line] staff_group_id)", group)
            return
        if isinstance(event, FollowEvent):
            msg = await self._greeting(event)
        else:
            msg = to_incoming(event)
        if msg is None:
            return
        loading = None
        if isinstance(event, (MessageEvent, PostbackEvent)) and not msg.is_group:
            # a timer, not a task: most answers are out long before it fires, and then it costs nothing
            loading = asyncio.get_running_loop().call_later(
                self.settings.loading_after_seconds, self._show_loading, msg.chat_id
            )
        try:
            await self.inbox.receive(msg, self)
        finally:
            if loading is not None:
                loading.cancel()

    async def _greeting(self, event: FollowEvent) -> Incoming | None:
        """A new friend (or one who unblocked us) is greeted as if they had typed /start."""
        source = event.source
        if not isinstance(source, UserSource) or not source.user_id:
            return None
        language = None
        try:
            language = (await self.api.get_profile(source.user_id)).language
        except ApiException as exc:
            log.info("no profile for a new LINE friend (%s); greeting in the default language", exc.status)
        return Incoming(
            CHANNEL,
            source.user_id,
            source.user_id,
            text="/start",
            client_language=language,
            ticket=event.reply_token or "",
            received_at=time.monotonic(),
            log_id=event.webhook_event_id,
        )

    def _show_loading(self, chat: str) -> None:
        task = asyncio.get_running_loop().create_task(self._loading(chat))
        self.loading.add(task)  # kept until done, so it is not collected mid-call
        task.add_done_callback(self.loading.discard)

    async def _loading(self, chat: str) -> None:
        try:
            await self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chatId=chat, loadingSeconds=LOADING_SECONDS)
            )
        except (ApiException, OSError) as exc:
            log.debug("loading animation not shown: %s", exc)

    async def fetch_photo(self, photo: Photo, owner: str) -> Photo:
        try:
            content = bytes(await self.blob.get_message_content(photo.file_id))
        except (ApiException, OSError) as exc:
            log.warning("photo of LINE message %s not downloaded: %s", photo.file_id, exc)
            return photo
        return await self.attachments.save(photo, owner, photo.file_id, ".jpg", content)

    # -- outbound ----------------------------------------------------------------------------

    async def deliver(self, to: Address, replies: Sequence[Reply], origin: Incoming | None) -> list[Delivery]:
        messages: list[Wire] = []
        owner: list[int] = []  # which reply each message belongs to
        for i, reply in enumerate(replies):
            for message in await self._messages(reply):
                messages.append(message)
                owner.append(i)
        results = [Delivery.SENT] * len(replies)
        token = origin.ticket if origin is not None else ""
        if token and origin is not None and time.monotonic() - origin.received_at > REPLY_TOKEN_SECONDS:
            token = ""
        size = self.limits.max_messages_per_call
        start = 0
        for batch in batches(messages, size):
            where = owner[start : start + len(batch)]
            start += len(batch)
            if token:
                outcome = await self._reply(token, batch)
                token = ""  # used, or refused: the rest goes by push
                if outcome is not None:
                    for i in where:
                        results[i] = worse(results[i], outcome)
                    continue
            outcome = await self._push(to.chat_id, batch)
            for i in where:
                results[i] = worse(results[i], outcome)
        return results

    async def _messages(self, reply: Reply) -> list[Wire]:
        if reply.document is None:
            cached = self.messages.get(reply.text, reply.buttons)
            if cached is not None:
                return cached
        text = reply.text
        if reply.document is not None:
            lang = reply.lang or "en"
            if self.public_url:
                url = self.public_url + self.files.put(reply.document)
                link = LABELS.get(lang, "file_link", name=reply.document.filename, url=url, minutes=KEEP_SECONDS // 60)
            else:
                link = LABELS.get(lang, "file_unavailable")
            text = f"{text}\n\n{link}" if text.strip() else link
        parts, buttons = fit(Reply(reply.to, text, reply.buttons), self.limits)
        limit = self.limits.max_payload_bytes
        coded = [(b, await self.payloads.encode(b.payload, limit)) for b in buttons]
        built = build_messages(parts, coded)
        if reply.document is None:  # a link is for one person, once
            self.messages.put(reply.text, reply.buttons, built)
        return built

    async def _reply(self, token: str, batch: list[Wire]) -> Delivery | None:
        """Delivery, or None when the token is not accepted (then the caller pushes)."""
        try:
            await self.sender.reply(token, batch)
            return Delivery.SENT
        except ApiException as exc:
            if exc.status == 400 and "reply token" in str(exc.body or "").lower():
                log.info("reply token refused (used or expired): pushing instead")
                return None
            if exc.status is not None and (exc.status >= 500 or exc.status == 429):
                return None
            log.warning("LINE refused a reply (%s): %s", exc.status, exc.body)
            return Delivery.FAILED
        except (TimeoutError, OSError) as exc:
            log.warning("LINE reply failed (%s): pushing instead", exc)
            return None

    async def _push(self, chat: str, batch: list[Wire]) -> Delivery:
        retry_key = str(uuid.uuid4())  # the same for every attempt: LINE sends it once
        for attempt in range(PUSH_ATTEMPTS):
            try:
                await self.sender.push(chat, batch, retry_key)
                return Delivery.SENT
            except ApiException as exc:
                body = str(exc.body or "")
                if exc.status == 409:  # an earlier attempt got through after all
                    return Delivery.SENT
                if exc.status == 429 and "monthly limit" in body.lower():
                    log.warning("LINE push quota used up: notice for %s kept for later", chat)
                    return Delivery.LATER
                if exc.status is None or not (exc.status >= 500 or exc.status == 429):
                    log.warning("LINE refused a push to %s (%s): %s", chat, exc.status, body)
                    return Delivery.FAILED
            except (TimeoutError, OSError) as exc:
                log.info("LINE push to %s failed (%s), attempt %d", chat, exc, attempt + 1)
            await asyncio.sleep(0.5 * 2**attempt)
        return Delivery.LATER


_ORDER = (Delivery.SENT, Delivery.LATER, Delivery.FAILED, Delivery.BLOCKED)


def worse(a: Delivery, b: Delivery) -> Delivery:
    return a if _ORDER.index(a) >= _ORDER.index(b) else b
