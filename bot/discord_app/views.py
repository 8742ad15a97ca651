"""Buttons that survive a restart: ``DynamicItem`` classes whose ``custom_id`` carries their state.

The builders (``answer_view``, ``pager_view``, ``review_view``) are pure and tested through
``View.to_components()``; the callbacks call the service found on ``interaction.client``.
Every template is listed in ``bot.discord_app.client``'s docstring.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Awaitable, Callable, ClassVar

import discord

from bot.core import answers
from bot.core.answers import AnswerCard
from bot.core.errors import InvalidInput, PermissionDenied, RateLimited
from bot.discord_app.checks import require_moderator
from bot.discord_app.embeds import unwrap_question
from bot.discord_app.errors import send_error
from bot.discord_app.notify import notify_quietly
from bot.discord_app.replies import defer_thinking, follow_up, respond, update

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient
    from bot.core.records import Suggestion

_log = logging.getLogger(__name__)

CUSTOM_ID_MAX = 100
PREFIX = "vizbot"


def _client(interaction: discord.Interaction) -> "VizbotClient":
    return interaction.client  # type: ignore[return-value]


async def guarded(interaction: discord.Interaction, handler: Callable[[], Awaitable[None]]) -> None:
    """Run a component handler (an answer in flight, for a graceful stop); any error becomes a
    short ephemeral message."""
    async with _client(interaction).answering():
        try:
            await handler()
        except Exception as exc:  # noqa: BLE001 - the edge: every error is answered
            await send_error(interaction, exc)


def _question_of(interaction: discord.Interaction) -> str:
    """The question an answer message was for (kept in its embed's author line)."""
    message = interaction.message
    if message is None or not message.embeds:
        return ""
    return unwrap_question(message.embeds[0].author.name)


def _answer_page(interaction: discord.Interaction, question: str, offset: int) -> AnswerCard:
    return answers.page_card(_client(interaction).service.engine, question, offset=offset)


class VizbotButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?!)"):
    """What every vizbot button shares: a ``discord.ui.Button`` with the custom_id the subclass
    builds from its fields; rebuilt after a restart from the template's groups (``FIELDS``, in the
    order ``__init__`` takes them); its click runs ``handle`` guarded (errors become a private
    message, and a graceful stop waits for it). The base's template matches nothing."""

    FIELDS: ClassVar[tuple[tuple[str, Callable[[str], Any]], ...]] = ()
    KEEPS_LABEL: ClassVar[bool] = False  # rebuilt with the clicked button's label

    def __init__(
        self,
        custom_id: str,
        *,
        label: str | None = None,
        emoji: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ):
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id), row=row)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> "VizbotButton":
        values = [convert(match[name]) for name, convert in cls.FIELDS]
        extra: dict[str, Any] = {"label": getattr(item, "label", None) or ""} if cls.KEEPS_LABEL else {}
        return cls(*values, **extra)

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, lambda: self.handle(interaction))

    async def handle(self, interaction: discord.Interaction) -> None:
        """What a click does (raise a domain error to refuse it)."""
        raise NotImplementedError


class MoreButton(VizbotButton, template=r"vizbot:more:(?P<asker>[0-9]+):(?P<offset>[0-9]+)"):
    """Next page of an answer (or back to the first); only the asker may page."""

    FIELDS = (("asker", int), ("offset", int))

    def __init__(self, asker: int, offset: int, *, label: str = "More", row: int | None = None):
        super().__init__(f"{PREFIX}:more:{asker}:{offset}", label=label, style=discord.ButtonStyle.primary, row=row)
        self.asker = asker
        self.offset = offset

    async def handle(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.asker:
            raise PermissionDenied(
                "Only the person who asked can page through this answer; ask your own question with /ask."
            )
        question = _question_of(interaction)
        card = _answer_page(interaction, question, self.offset)
        ephemeral = bool(interaction.message and interaction.message.flags.ephemeral)
        await update(interaction, card, view=answer_view(card, asker=self.asker, can_post=ephemeral))


class PostButton(VizbotButton, template=r"vizbot:post:(?P<asker>[0-9]+):(?P<offset>[0-9]+)"):
    """Post a private answer to the channel for everyone."""

    FIELDS = (("asker", int), ("offset", int))

    def __init__(self, asker: int, offset: int, *, row: int | None = None):
        super().__init__(f"{PREFIX}:post:{asker}:{offset}", label="Post to channel", row=row)
        self.asker = asker
        self.offset = offset

    async def handle(self, interaction: discord.Interaction) -> None:
        """Post once: the private answer loses its button, then the answer goes to the channel.
        A second click (or a double click) is told it was posted; the question cooldown applies."""
        if interaction.user.id != self.asker:
            raise PermissionDenied("Only the person who asked can post this answer.")
        client = _client(interaction)
        message_id = interaction.message.id if interaction.message is not None else None
        if message_id is not None and message_id in client.posted:
            raise InvalidInput("answer", "this answer was already posted to the channel")
        server = client.settings_for(interaction.guild_id)
        if not server.answers_in(interaction.channel_id, getattr(interaction.channel, "parent_id", None)):
            raise InvalidInput("channel", "this server's admins chose other channels for public answers")
        if message_id is not None:
            client.posted.add(message_id)  # before any await: a double click is seen by the second handler
        try:
            await client.question_cooldown.check(interaction.user.id, server.cooldown_seconds)
        except RateLimited:
            if message_id is not None:
                client.posted.discard(message_id)  # refused: it may be posted once the cooldown is over
            raise
        card = _answer_page(interaction, _question_of(interaction), self.offset)
        await update(interaction, card, view=answer_view(card, asker=self.asker, can_post=False))
        await follow_up(interaction, card, view=answer_view(card, asker=self.asker, can_post=False))


class VoteButton(VizbotButton, template=r"vizbot:vote:(?P<value>up|down):(?P<resource>.+)"):
    """👍 or 👎 on one result of an answer; anyone may vote, voting again replaces the vote."""

    FIELDS = (("value", str), ("resource", str))

    def __init__(self, value: str, resource_id: str, *, label: str | None = None, row: int | None = None):
        super().__init__(
            f"{PREFIX}:vote:{value}:{resource_id}", label=label, emoji="👍" if value == "up" else "👎", row=row
        )
        self.value = value
        self.resource_id = resource_id

    async def handle(self, interaction: discord.Interaction) -> None:
        service = _client(interaction).service
        question = _question_of(interaction)
        await defer_thinking(interaction, ephemeral=True)  # the store may be busy
        await service.vote(
            user=str(interaction.user.id),
            question=question,
            resource_id=self.resource_id,
            value=1 if self.value == "up" else -1,
        )
        await respond(
            interaction,
            answers.vote_card(service.catalog.get(self.resource_id), self.resource_id, up=self.value == "up"),
            ephemeral=True,
        )


class TagsPageButton(VizbotButton, template=r"vizbot:tags:(?P<page>[0-9]+)"):
    """Another page of /tags."""

    FIELDS = (("page", int),)
    KEEPS_LABEL = True

    def __init__(self, page: int, *, label: str, row: int | None = None):
        super().__init__(f"{PREFIX}:tags:{page}", label=label, row=row)
        self.page = page

    async def handle(self, interaction: discord.Interaction) -> None:
        card = answers.tags_page_card(_client(interaction).service.engine, page=self.page)
        await update(interaction, card, view=tags_view(card))


class TagPageButton(
    VizbotButton, template=r"vizbot:tag:(?P<kind>[a-z]*):(?P<level>[a-z]*):(?P<page>[0-9]+):(?P<slug>.+)"
):
    """Another page of /tag NAME (filters kept)."""

    FIELDS = (("slug", str), ("kind", str), ("level", str), ("page", int))
    KEEPS_LABEL = True

    def __init__(
        self, slug: str, kind: str | None, level: str | None, page: int, *, label: str, row: int | None = None
    ):
        super().__init__(f"{PREFIX}:tag:{kind or ''}:{level or ''}:{page}:{slug}", label=label, row=row)
        self.slug, self.kind, self.level, self.page = slug, kind or None, level or None, page

    async def handle(self, interaction: discord.Interaction) -> None:
        card = answers.tag_page_card(
            _client(interaction).service.engine, self.slug, kind=self.kind, level=self.level, page=self.page
        )
        await update(interaction, card, view=tag_view(card, self.slug, self.kind, self.level))


class ApproveButton(VizbotButton, template=r"vizbot:approve:(?P<id>[0-9]+):(?P<offset>[0-9]+)"):
    """Approve a pending suggestion (moderators)."""

    FIELDS = (("id", int), ("offset", int))

    def __init__(self, suggestion_id: int, offset: int = 0, *, row: int | None = None):
        super().__init__(
            f"{PREFIX}:approve:{suggestion_id}:{offset}", label="Approve", style=discord.ButtonStyle.success, row=row
        )
        self.suggestion_id = suggestion_id
        self.offset = offset

    async def handle(self, interaction: discord.Interaction) -> None:
        client = _client(interaction)
        await require_moderator(interaction, client.settings)
        await interaction.response.defer()
        decided = await client.service.approve(self.suggestion_id, moderator=str(interaction.user.id))
        await show_next_review(interaction, decided, offset=self.offset)


class RejectButton(VizbotButton, template=r"vizbot:reject:(?P<id>[0-9]+):(?P<offset>[0-9]+)"):
    """Reject a pending suggestion (moderators): opens a modal asking for the reason."""

    FIELDS = (("id", int), ("offset", int))

    def __init__(self, suggestion_id: int, offset: int = 0, *, row: int | None = None):
        super().__init__(
            f"{PREFIX}:reject:{suggestion_id}:{offset}", label="Reject", style=discord.ButtonStyle.danger, row=row
        )
        self.suggestion_id = suggestion_id
        self.offset = offset

    async def handle(self, interaction: discord.Interaction) -> None:
        from bot.discord_app.modals import RejectModal

        await require_moderator(interaction, _client(interaction).settings)
        await interaction.response.send_modal(RejectModal(self.suggestion_id, self.offset))


class SkipButton(VizbotButton, template=r"vizbot:skip:(?P<offset>[0-9]+)"):
    """Show the next pending suggestion without deciding (moderators)."""

    FIELDS = (("offset", int),)

    def __init__(self, offset: int, *, row: int | None = None):
        super().__init__(f"{PREFIX}:skip:{offset}", label="Skip", row=row)
        self.offset = offset

    async def handle(self, interaction: discord.Interaction) -> None:
        await require_moderator(interaction, _client(interaction).settings)
        await interaction.response.defer()
        await show_next_review(interaction, None, offset=self.offset)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    MoreButton,
    PostButton,
    VoteButton,
    TagsPageButton,
    TagPageButton,
    ApproveButton,
    RejectButton,
    SkipButton,
)


def known_custom_id(custom_id: str) -> bool:
    """Whether a component's or form's custom_id is one vizbot handles (a button template, the reject-reason form)."""
    from bot.discord_app.modals import REJECT_REASON

    return REJECT_REASON.fullmatch(custom_id) is not None or any(
        item.__discord_ui_compiled_template__.fullmatch(custom_id) for item in DYNAMIC_ITEMS
    )


def answer_view(card: AnswerCard, *, asker: int, can_post: bool = False) -> discord.ui.View | None:
    """Buttons under an answer: 👍/👎 per result (one row each), then More and Post to channel."""
    view = discord.ui.View(timeout=None)
    start = card.offset + 1
    for row, item in enumerate(card.items[:3]):
        if len(f"{PREFIX}:vote:down:{item.resource_id}") > CUSTOM_ID_MAX:
            continue
        view.add_item(VoteButton("up", item.resource_id, label=str(start + row), row=row))
        view.add_item(VoteButton("down", item.resource_id, label=str(start + row), row=row))
    if card.has_more:
        view.add_item(MoreButton(asker, card.offset + len(card.items), row=3))
    elif card.offset > 0:
        view.add_item(MoreButton(asker, 0, label="Back to the top", row=3))
    if can_post and card.items:
        view.add_item(PostButton(asker, card.offset, row=3))
    return view if view.children else None


def _pager(card: AnswerCard, make: Callable[[int, str], discord.ui.Item[Any]]) -> discord.ui.View | None:
    if not card.pages or card.pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    if card.page > 1:
        view.add_item(make(card.page - 1, "◀ Previous"))
    if card.page < card.pages:
        view.add_item(make(card.page + 1, "Next ▶"))
    return view


def tags_view(card: AnswerCard) -> discord.ui.View | None:
    """Previous / Next under a /tags page."""
    return _pager(card, lambda page, label: TagsPageButton(page, label=label))


def tag_view(card: AnswerCard, slug: str, kind: str | None, level: str | None) -> discord.ui.View | None:
    """Previous / Next under a /tag page (the filters are carried along)."""
    if len(f"{PREFIX}:tag:{kind or ''}:{level or ''}:{card.pages}:{slug}") > CUSTOM_ID_MAX:
        return None
    return _pager(card, lambda page, label: TagPageButton(slug, kind, level, page, label=label))


def review_view(card: AnswerCard, *, offset: int = 0) -> discord.ui.View | None:
    """Approve / Reject / Skip under a pending suggestion."""
    if card.suggestion_id is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(ApproveButton(card.suggestion_id, offset))
    view.add_item(RejectButton(card.suggestion_id, offset))
    view.add_item(SkipButton(offset + 1))
    return view


async def show_next_review(interaction: discord.Interaction, decided: "Suggestion | None", *, offset: int) -> None:
    """After a decision (or a skip): tell the submitter, then show the next pending suggestion."""
    client = _client(interaction)
    cards: list[AnswerCard] = []
    if decided is not None:
        cards.append(answers.decision_card(decided, viewer_server=str(interaction.guild_id)))
        await notify_quietly(client)  # the same path as decisions made on the command line
    pending = await client.service.pending(limit=1, offset=offset)
    if not pending and offset:
        offset = 0
        pending = await client.service.pending(limit=1, offset=0)
    card = answers.review_card(
        pending[0] if pending else None,
        position=offset + 1,
        pending=await client.service.pending_count(),
        viewer_server=str(interaction.guild_id),
    )
    cards.append(card)
    await update(interaction, cards, view=review_view(card, offset=offset))
