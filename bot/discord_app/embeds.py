"""Pure builders: answer cards (``bot.core.answers``) to ``discord.Embed``.

Everything a user or a suggestion could have written is escaped here: markdown,
mentions and masked links. Tested through ``Embed.to_dict()``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.core import answers
from bot.core.answers import AnswerCard, ResultItem

COLOURS = {
    answers.INFO: discord.Colour.blurple(),
    answers.EMPTY: discord.Colour.light_grey(),
    answers.SUCCESS: discord.Colour.green(),
    answers.WARNING: discord.Colour.gold(),
    answers.ERROR: discord.Colour.red(),
}

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
ZWSP = "\u200b"

_MASKED_LINK = re.compile(r"\]\s*\(")
_ANGLE_LINK = re.compile(r"<(https?://)")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str | None) -> str:
    """Text a user may have written, made inert for markdown: no formatting, mentions or masked links."""
    text = answers.clean_text(text or "")
    text = _MASKED_LINK.sub("] (", text)
    text = _ANGLE_LINK.sub("<\u200b\\1", text)
    return escape_mentions(escape_markdown(text))


def plain(text: str | None) -> str:
    """Text for places Discord shows as-is (author, footer, field names): only mentions neutralised."""
    return escape_mentions(answers.clean_text(text or ""))


def safe_url(url: str) -> str:
    """A URL usable inside ``[text](url)``: characters that would end the link are percent-encoded."""
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._")


def link(title: str, url: str) -> str:
    """A masked link whose text is escaped and whose URL cannot break out."""
    return f"[{safe(title)}]({safe_url(url)})"


def unwrap_question(author_name: str | None) -> str:
    """The question as stored in an answer embed's author line (reverses :func:`plain`)."""
    return (author_name or "").replace(ZWSP, "").strip()


def _slug(tag: str) -> str:
    """A tag slug inside a code span (slugs come from the catalog; backticks would end the span)."""
    return answers.clean_text(tag, 60).replace("`", "'")


def item_text(number: int, item: ResultItem) -> str:
    """One result: linked title, one-line description, tags, kind · level, why it matched."""
    parts = [f"**{number}. {link(item.title, item.url)}**"]
    if item.description:
        parts.append(safe(item.description))
    meta = " ".join(f"`{_slug(t)}`" for t in item.tags)
    parts.append(" · ".join(p for p in (meta, f"{item.kind} · {item.level}") if p))
    if item.why:
        parts.append(f"*why:* {safe(item.why)}")
    return "\n".join(parts)


def card_to_embed(card: AnswerCard) -> discord.Embed:
    """The embed for any card."""
    blocks: list[str] = []
    if card.description:
        blocks.append(safe(card.description))
    start = card.offset + 1
    blocks.extend(item_text(start + i, item) for i, item in enumerate(card.items))
    if card.tag_rows:
        blocks.append("\n".join(
            f"`{row.slug}` {safe(row.title)} · {row.count}"
            + (f" · aka {safe(', '.join(row.aliases[:4]))}" if row.aliases else "")
            for row in card.tag_rows
        ))
    if card.suggested_tags:
        blocks.append("Related tags: " + " ".join(f"`{_slug(t)}`" for t in card.suggested_tags))
    embed = discord.Embed(
        title=_cut(safe(card.title), TITLE_MAX),
        description=_cut("\n\n".join(blocks), DESCRIPTION_MAX) or None,
        colour=COLOURS.get(card.tone, COLOURS[answers.INFO]),
    )
    if card.question:
        embed.set_author(name=_cut(plain(card.question), AUTHOR_MAX))
    for line in card.lines[:25]:
        embed.add_field(name=_cut(plain(line.label), FIELD_NAME_MAX) or ZWSP,
                        value=_cut(safe(line.value), FIELD_VALUE_MAX) or ZWSP, inline=False)
    if card.footer:
        embed.set_footer(text=_cut(plain(card.footer), FOOTER_MAX))
    return embed


def text_message(text: str) -> str:
    """A short plain message (cooldowns, confirmations) made safe to send."""
    return _cut(safe(text), 2000)
