"""Reading what the bot sent: links, custom_ids and every visible text of a message."""

from __future__ import annotations

import re
from typing import Any

_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")


def embed_links(message: dict[str, Any]) -> list[str]:
    """Every masked-link URL in a message's embeds, in order."""
    links: list[str] = []
    for embed in message.get("embeds", []):
        links += _LINK.findall(embed.get("description") or "")
        for field in embed.get("fields", []):
            links += _LINK.findall(field.get("value") or "")
    return links


def custom_ids(message: dict[str, Any]) -> list[str]:
    """The custom_ids of a message's components, row by row."""
    return [
        c["custom_id"] for row in message.get("components", []) for c in row.get("components", []) if "custom_id" in c
    ]


def everything_said(message: dict[str, Any]) -> str:
    """Content plus every embed text, for safety checks."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [
            embed.get("title") or "",
            embed.get("description") or "",
            (embed.get("author") or {}).get("name") or "",
        ]
        parts += [(embed.get("footer") or {}).get("text") or ""]
        for field in embed.get("fields", []):
            parts += [field.get("name") or "", field.get("value") or ""]
    return "\n".join(parts)
