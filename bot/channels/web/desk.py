"""What every console page works with (the Desk), and how a console action reaches the core.

A console action is a staff command sent by the staff member's console identity ("web:<account
id>") through the same inbox as every chat message: the same authorization, audit, requester
notices (delivered by the outbox on the requester's own channel) and flood limit. What the core
says back to the staff member is shown on the next page as a notice.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.answering.knowledge import KnowledgeBase
from bot.app import App
from bot.channels.web.templating import Pages
from bot.config import Config
from bot.core.channel import Channel
from bot.forms.registry import FormRegistry
from bot.forms.replies import CannedReply
from bot.messages import Incoming
from bot.staff.accounts import Account, StaffAccounts
from bot.staff.directory import StaffDirectory
from bot.staff.sessions import Sessions

MAX_NOTICES = 1000  # notices waiting to be shown, oldest dropped first


@dataclass
class Desk:
    config: Config
    app: App
    accounts: StaffAccounts
    sessions: Sessions
    directory: StaffDirectory
    pages: Pages
    forms: FormRegistry
    knowledge: KnowledgeBase
    replies: list[CannedReply]
    # what the core answered to a console action, by account, until the page shows it
    said: dict[str, list[str]] = field(default_factory=dict)
    notices: OrderedDict[str, list[str]] = field(default_factory=OrderedDict)

    async def act(self, channel: Channel, account: Account, command: str) -> str:
        """Run one staff command as this account; returns a key under which its answer waits."""
        me = str(account.id)
        self.said.pop(me, None)
        msg = Incoming("web", me, me, text=command, client_language=account.lang, display_name=account.login)
        await self.app.inbox.receive(msg, channel)
        key = secrets.token_urlsafe(8)
        self.notices[key] = self.said.pop(me, [])
        while len(self.notices) > MAX_NOTICES:
            self.notices.popitem(last=False)
        return key

    def notice(self, key: str) -> list[str]:
        return self.notices.pop(key, []) if key else []
