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
from bot.core.sanitize import clean_text

COLOURS = {
    answers.INFO: discord.Colour.blurple(),
    answers.EMPTY: discord.Colour.light_grey(),
    answers.SUCCESS: discord.Colour.green(),
    answers.WARNING: discord.Colour.gold(),
    answers.ERROR: discord.Colour.red(),
}

# What each card's hints say in Discord (answers.HINT_*).
HINT_WORDING = {
    answers.HINT_MORE: "press More for further results",
    answers.HINT_RATE: "rate them with 👍 / 👎",
    answers.HINT_SUGGEST: "Know a good one? Share it with /suggest.",
    answers.HINT_TAG: "Browse one with /tag NAME.",
    answers.HINT_TAGS: "See /tags for the list.",
}

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
MESSAGE_TOTAL_MAX = 6000  # titles, descriptions, field names and values, footers and authors of all embeds
MIN_SLOT = 16
ZWSP = "\u200b"

_MASKED_LINK = re.compile(r"\]\s*\(")
_ANGLE_LINK = re.compile(r"<(https?://)")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str | None) -> str:
    """Text a user may have written, made inert for markdown: no formatting, mentions or masked links."""
    text = clean_text(text or "")
    text = _MASKED_LINK.sub("] (", text)
    text = _ANGLE_LINK.sub("<\u200b\\1", text)
    return escape_mentions(escape_markdown(text))


def plain(text: str | None) -> str:
    """Text for places Discord shows as-is (author, footer, field names): only mentions neutralised."""
    return escape_mentions(clean_text(text or ""))


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
    return clean_text(tag, 60).replace("`", "'")


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
        blocks.append(
            "\n".join(
                f"`{row.slug}` {safe(row.title)} · {row.count}"
                + (f" · aka {safe(row.aliases_text())}" if row.aliases else "")
                for row in card.tag_rows
            )
        )
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
        embed.add_field(
            name=_cut(plain(line.label), FIELD_NAME_MAX) or ZWSP,
            value=_cut(safe(line.value), FIELD_VALUE_MAX) or ZWSP,
            inline=False,
        )
    footer = answers.footer_with_hints(card, HINT_WORDING)
    if footer:
        embed.set_footer(text=_cut(plain(footer), FOOTER_MAX))
    return embed


def embed_length(embed: discord.Embed) -> int:
    """The characters Discord counts towards the 6000-per-message total (``len(embed)``)."""
    return len(embed)


def _cut_block(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, ending at a line break when that loses little."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    newline = head.rfind("\n")
    if newline >= limit // 2:
        head = head[:newline].rstrip()
    return head.rstrip("\\") + "…"


def fit_message(embeds: list[discord.Embed], total: int = MESSAGE_TOTAL_MAX) -> list[discord.Embed]:
    """Trim the embeds of one message (in place) until together they fit Discord's total.

    The longest text (a description, field value, field name, footer, title or author) is cut
    first, at a line break when possible, so every part stays present and non-empty.
    """
    while (excess := sum(embed_length(e) for e in embeds) - total) > 0:
        slots: list[tuple[int, str, discord.Embed, int | None]] = []  # (length, part, embed, field index)
        for e in embeds:
            if e.description:
                slots.append((len(e.description), "description", e, None))
            for i, field in enumerate(e.fields):
                slots.append((len(field.value or ""), "value", e, i))
                slots.append((len(field.name or ""), "name", e, i))
            if e.footer.text:
                slots.append((len(e.footer.text), "footer", e, None))
            if e.title:
                slots.append((len(e.title), "title", e, None))
            if e.author.name:
                slots.append((len(e.author.name), "author", e, None))
        size, kind, embed, index = max(slots, key=lambda s: s[0])
        if size <= MIN_SLOT:
            break  # cannot happen within Discord's per-embed limits; never loop forever
        limit = max(size - excess, MIN_SLOT, size // 4)
        if kind == "description":
            embed.description = _cut_block(embed.description or "", limit)
        elif kind in ("value", "name"):
            assert index is not None  # field slots carry their index
            field = embed.fields[index]
            name = _cut(field.name or "", limit) if kind == "name" else field.name
            value = _cut_block(field.value or "", limit) if kind == "value" else field.value
            embed.set_field_at(index, name=name or ZWSP, value=value or ZWSP, inline=field.inline)
        elif kind == "footer":
            embed.set_footer(text=_cut(embed.footer.text or "", limit), icon_url=embed.footer.icon_url)
        elif kind == "title":
            embed.title = _cut(embed.title or "", limit)
        else:
            embed.set_author(
                name=_cut(embed.author.name or "", limit), url=embed.author.url, icon_url=embed.author.icon_url
            )
    return embeds


TEXT_MAX = 2000  # characters of a message's content


def card_to_text(card: AnswerCard, limit: int = TEXT_MAX) -> str:
    """A card as plain message text, for channels where the bot may not embed: the same parts as
    :func:`card_to_embed`, links in ``<...>`` (no previews), escaped the same way, at most ``limit``."""
    blocks = [f"**{safe(card.title)}**"]
    if card.question:
        blocks[0] += f" · {safe(card.question)}"
    if card.description:
        blocks.append(safe(card.description))
    start = card.offset + 1
    for i, item in enumerate(card.items):
        parts = [f"**{start + i}. {safe(item.title)}** <{safe_url(item.url)}>"]
        if item.description:
            parts.append(safe(item.description))
        if item.why:
            parts.append(f"*why:* {safe(item.why)}")
        blocks.append("\n".join(parts))
    if card.tag_rows:
        blocks.append("\n".join(f"`{row.slug}` {safe(row.title)} · {row.count}" for row in card.tag_rows))
    if card.suggested_tags:
        blocks.append("Related tags: " + " ".join(f"`{_slug(t)}`" for t in card.suggested_tags))
    blocks.extend(f"**{safe(line.label)}:** {safe(line.value)}" for line in card.lines)
    footer = answers.footer_with_hints(card, HINT_WORDING)
    if footer:
        blocks.append(f"-# {plain(footer)}")
    return _cut_block("\n\n".join(blocks), limit)
