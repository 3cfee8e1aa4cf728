"""The fake LINE server, driven by the real line-bot-sdk: it records what LINE would deliver and refuses
what LINE refuses, so the LINE channel's tests can trust both."""
from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any, Awaitable, Callable

import pytest
from aiohttp import web
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (ApiException, AsyncApiClient, AsyncMessagingApi, AsyncMessagingApiBlob,
                                  Configuration, PostbackAction, PushMessageRequest, QuickReply, QuickReplyItem,
                                  ReplyMessageRequest, ShowLoadingAnimationRequest, TextMessage)
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (FollowEvent, GroupSource, ImageMessageContent, JoinEvent, MessageEvent,
                                 PostbackEvent, TextMessageContent, UnfollowEvent, UserMentionee)

from fake_line import ACCESS_TOKEN, CHANNEL_SECRET, PUSH, FakeLine, group_id, rate_limited, sign, user_id

USER = user_id(1)
GROUP = group_id(7)

Body = Callable[[FakeLine, AsyncMessagingApi, AsyncMessagingApiBlob], Awaitable[None]]


def run(body: Body, fake: FakeLine | None = None, token: str = ACCESS_TOKEN) -> FakeLine:
    """The fake and an SDK client pointed at it (both hosts) around `body`."""
    fake = fake or FakeLine()

    async def go() -> None:
        await fake.start()
        try:
            async with AsyncApiClient(Configuration(host=fake.base_url, access_token=token)) as client:
                await body(fake, AsyncMessagingApi(client), AsyncMessagingApiBlob(client))
        finally:
            await fake.stop()
    asyncio.run(go())
    return fake


async def refused(call: Awaitable[Any]) -> ApiException:
    with pytest.raises(ApiException) as caught:
        await call
    return caught.value


def quick_reply(*labels: str, data: str = "d") -> QuickReply:
    return QuickReply(items=[QuickReplyItem(action=PostbackAction(label=label, data=f"{data}:{i}"))
                             for i, label in enumerate(labels)])


def test_reply_is_recorded_with_its_quick_reply_and_the_token_works_once() -> None:
    async def body(fake: FakeLine, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> None:
        event = fake.text_event(USER, "こんにちは")
        request = ReplyMessageRequest(reply_token=event["replyToken"], messages=[
            TextMessage(text="はい", quick_reply=quick_reply("Yes", "No")), TextMessage(text="二つ目")])
        response = await api.reply_message(request)
        assert len(response.sent_messages) == 2 and response.sent_messages[0].quote_token
        first, second = fake.sent
        assert (first.via, first.to, first.text, first.position, first.index) == ("reply", USER, "はい", 0, 0)
        assert second.last_of_call and second.index == 1 and first.id == response.sent_messages[0].id
        assert [a["label"] for a in first.quick_reply_items] == ["Yes", "No"]
        assert first.button("N")["data"] == "d:1"
        [call] = fake.calls_to("/v2/bot/message/reply")
        assert call.body["replyToken"] == event["replyToken"] and call.headers["Authorization"].startswith("Bearer ")

        again = await refused(api.reply_message(request))
        assert again.status == 400 and json.loads(again.body) == {"message": "Invalid reply token"}
        late = fake.text_event(USER, "遅い")
        fake.expire(late["replyToken"])
        expired = await refused(api.reply_message(ReplyMessageRequest(reply_token=late["replyToken"],
                                                                      messages=[TextMessage(text="x")])))
        assert expired.status == 400 and len(fake.sent) == 2
    run(body)


def test_group_reply_goes_to_the_group() -> None:
    async def body(fake: FakeLine, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> None:
        event = fake.text_event(USER, "@Madoguchi 質問", group=GROUP, mention_bot=True)
        await api.reply_message(ReplyMessageRequest(reply_token=event["replyToken"],
                                                    messages=[TextMessage(text="答え")]))
        [sent] = await fake.next_to(GROUP)
        assert sent.via == "reply" and sent.text == "答え"
    run(body)


def test_what_line_refuses_in_messages() -> None:
    async def body(fake: FakeLine, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> None:
        token = fake.text_event(USER, "hi")["replyToken"]

        def reply(*messages: TextMessage) -> Awaitable[Any]:
            # construct() skips the SDK's own checks, so the request reaches the fake as a careless client's would
            return api.reply_message(ReplyMessageRequest.construct(reply_token=token, messages=list(messages)))

        six = await refused(reply(*[TextMessage(text=str(i)) for i in range(6)]))
        assert six.status == 400
        assert json.loads(six.body) == {"message": "The request body has 1 error(s)", "details": [
            {"message": "Size must be between 1 and 5", "property": "messages"}]}
        long = await refused(reply(TextMessage(text="あ" * 5001)))
        assert json.loads(long.body)["details"][0]["property"] == "messages[0].text"
        fourteen = QuickReply.construct(items=[QuickReplyItem(action=PostbackAction(label=str(i), data="d"))
                                               for i in range(14)])
        assert (await refused(reply(TextMessage(text="q", quick_reply=fourteen)))).status == 400
        label = await refused(reply(TextMessage(text="q", quick_reply=quick_reply("x" * 21))))
        assert json.loads(label.body)["details"][0]["property"] == "messages[0].quickReply.items[0].action.label"
        data = PostbackAction.construct(type="postback", label="ok", data="d" * 301)
        too_much = await refused(reply(TextMessage(text="q", quick_reply=QuickReply(
            items=[QuickReplyItem.construct(type="action", action=data)]))))
        assert json.loads(too_much.body)["details"][0]["property"] == "messages[0].quickReply.items[0].action.data"
        assert fake.sent == []

        await reply(TextMessage(text="x" * 5000, quick_reply=quick_reply(*[f"{i:020d}" for i in range(13)])))
        assert len(fake.sent) == 1
    run(body)


def test_push_with_a_retry_key_is_delivered_once() -> None:
    async def body(fake: FakeLine, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> None:
        key = str(uuid.uuid4())
        request = PushMessageRequest(to=USER, messages=[TextMessage(text="お知らせ")])
        response = await api.push_message(request, x_line_retry_key=key)
        duplicate = await refused(api.push_message(request, x_line_retry_key=key))
        assert duplicate.status == 409
        assert json.loads(duplicate.body)["message"] == "The retry key is already accepted"
        assert duplicate.headers["x-line-accepted-request-id"] == fake.calls[0].request_id
        assert [(s.via, s.to, s.retry_key, s.id) for s in fake.sent] == [
            ("push", USER, key, response.sent_messages[0].id)]
        assert [c.retry_key for c in fake.calls_to(PUSH)] == [key, key]
        await api.push_message(request, x_line_retry_key=str(uuid.uuid4()))
        assert len(fake.sent) == 2
        over = await refused(api.push_message(request))
        assert over.status == 429 and json.loads(over.body) == {"message": "You have reached your monthly limit."}
    run(body, FakeLine(push_quota=2))


def test_failure_hooks_answer_first() -> None:
    async def body(fake: FakeLine, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> None:
        fake.failures.append(rate_limited(PUSH, times=1))
        request = PushMessageRequest(to=USER, messages=[TextMessage(text="x")])
        assert (await refused(api.push_message(request))).status == 429
        await api.push_message(request)
        assert len(fake.sent) == 1
    run(body)


def test_loading_profile_bot_info_and_content() -> None:
    async def body(fake: FakeLine, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> None:
        await api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=10))
        [call] = await fake.wait_for_call(lambda c: c.path == "/v2/bot/chat/loading/start")
        assert call.status == 202 and call.body == {"chatId": USER, "loadingSeconds": 10}

        fake.profiles[USER] = {"displayName": "Minji", "language": "ko"}
        profile = await api.get_profile(USER)
        assert (profile.user_id, profile.display_name, profile.language) == (USER, "Minji", "ko")
        assert (await refused(api.get_profile(user_id(2)))).status == 404

        info = await api.get_bot_info()
        assert (info.user_id, info.basic_id, info.chat_mode) == (fake.bot["userId"], "@madoguchi", "bot")

        event = fake.image_event(USER, b"\xff\xd8\xff jpeg")
        assert await blob.get_message_content(event["message"]["id"]) == b"\xff\xd8\xff jpeg"
        assert (await refused(blob.get_message_content("1"))).status == 404
    run(body)


def test_wrong_access_token_is_refused() -> None:
    async def body(fake: FakeLine, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> None:
        denied = await refused(api.get_bot_info())
        assert denied.status == 401 and json.loads(denied.body)["message"].startswith("Authentication failed")
    run(body, token="not-the-token")


def test_events_parse_as_the_sdk_expects_and_sign_matches_its_check() -> None:
    fake = FakeLine()
    events = [fake.text_event(USER, "@Madoguchi 안녕하세요", group=GROUP, mention_bot=True),
              fake.image_event(USER, b"img"), fake.postback_event(USER, "f:lecture"),
              fake.follow_event(USER), fake.unfollow_event(USER), fake.join_event(GROUP)]
    body = fake.payload(events)
    parser = WebhookParser(CHANNEL_SECRET)
    text, image, postback, follow, unfollow, join = parser.parse(body.decode("utf-8"), sign(body, CHANNEL_SECRET))
    assert isinstance(text, MessageEvent) and isinstance(text.message, TextMessageContent)
    assert isinstance(text.source, GroupSource) and text.source.group_id == GROUP
    [mentionee] = text.message.mention.mentionees
    assert isinstance(mentionee, UserMentionee) and mentionee.is_self and (mentionee.index, mentionee.length) == (0, 10)
    assert isinstance(image.message, ImageMessageContent) and image.message.content_provider.type == "line"
    assert isinstance(postback, PostbackEvent) and postback.postback.data == "f:lecture"
    assert isinstance(follow, FollowEvent) and isinstance(unfollow, UnfollowEvent) and isinstance(join, JoinEvent)
    assert unfollow.delivery_context.is_redelivery is False and "replyToken" not in events[4]
    assert len({e["webhookEventId"] for e in events}) == 6 and all(len(e["webhookEventId"]) == 26 for e in events)
    assert fake.reply_tokens[join.reply_token].to == GROUP
    with pytest.raises(InvalidSignatureError):
        parser.parse(body.decode("utf-8"), sign(body, "another-secret"))


def test_post_events_signs_and_delivers_to_the_webhook() -> None:
    received: list[tuple[str, list[Any]]] = []

    async def webhook(request: web.Request) -> web.Response:
        text = await request.text()
        try:
            events = WebhookParser(CHANNEL_SECRET).parse(text, request.headers["X-Line-Signature"])
        except InvalidSignatureError:
            return web.Response(status=400, text="bad signature")
        received.append((json.loads(text)["destination"], events))
        return web.Response(text="OK")

    async def go() -> None:
        app = web.Application()
        app.router.add_post("/callback", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/callback"  # type: ignore[union-attr]
        fake = FakeLine()
        try:
            event = fake.text_event(USER, "hi")
            assert await fake.post_events(url, [event], CHANNEL_SECRET) == (200, "OK")
            assert await fake.post_events(url, [event], CHANNEL_SECRET, redelivery=True) == (200, "OK")
            assert await fake.post_events(url, [event], CHANNEL_SECRET, signature="AAAA") == (400, "bad signature")
            genuine = sign(fake.payload([event]), CHANNEL_SECRET)
            tampered = fake.payload([event]).replace(b'"hi"', b'"ho"')
            assert (await fake.post_events(url, [], body=tampered, signature=genuine))[0] == 400
            assert await fake.post_events(url, [], body=tampered) == (200, "OK")
        finally:
            await fake.stop()
            await runner.cleanup()
        (destination, [first]), (_, [again]), (_, [edited]) = received
        assert edited.message.text == "ho"
        assert destination == fake.bot["userId"] and first.message.text == "hi"
        assert (first.delivery_context.is_redelivery, again.delivery_context.is_redelivery) == (False, True)
        assert first.webhook_event_id == again.webhook_event_id
        assert fake.reply_tokens[event["replyToken"]].posted_at is not None
    asyncio.run(go())
