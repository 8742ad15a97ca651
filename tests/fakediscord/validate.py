"""Discord's documented payload limits, checked the way the real API rejects bodies (400 / 50035)."""

from __future__ import annotations

import re
from typing import Any

IS_COMPONENTS_V2 = 1 << 15
_SLASH_NAME = re.compile(r"^[-_\w]{1,32}$")


def _len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _check_len(errors: list[str], where: str, value: Any, limit: int, *, required: bool = False) -> None:
    if value is None:
        if required:
            errors.append(f"{where}: required")
        return
    if not isinstance(value, str):
        errors.append(f"{where}: must be a string")
    elif len(value) > limit:
        errors.append(f"{where}: {len(value)} > {limit} characters")
    elif required and not value:
        errors.append(f"{where}: must not be empty")


def embed_errors(embed: dict[str, Any], where: str = "embeds.0") -> list[str]:
    """Limits of one embed; also returns its total character count problems."""
    errors: list[str] = []
    _check_len(errors, f"{where}.title", embed.get("title"), 256)
    _check_len(errors, f"{where}.description", embed.get("description"), 4096)
    for key in ("url",):
        url = embed.get(key)
        if url is not None and not str(url).startswith(("http://", "https://")):
            errors.append(f"{where}.{key}: not a well formed URL")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors.append(f"{where}.fields: {len(fields)} > 25")
    for i, field in enumerate(fields):
        _check_len(errors, f"{where}.fields.{i}.name", field.get("name"), 256, required=True)
        _check_len(errors, f"{where}.fields.{i}.value", field.get("value"), 1024, required=True)
    footer = embed.get("footer") or {}
    _check_len(errors, f"{where}.footer.text", footer.get("text"), 2048)
    author = embed.get("author") or {}
    _check_len(errors, f"{where}.author.name", author.get("name"), 256)
    return errors


def embed_total(embed: dict[str, Any]) -> int:
    """Characters that count towards the 6000 limit."""
    total = _len(embed.get("title")) + _len(embed.get("description"))
    total += _len((embed.get("footer") or {}).get("text")) + _len((embed.get("author") or {}).get("name"))
    for field in embed.get("fields") or []:
        total += _len(field.get("name")) + _len(field.get("value"))
    return total


def component_errors(rows: list[dict[str, Any]], where: str = "components") -> list[str]:
    """Action rows of buttons and selects."""
    errors: list[str] = []
    if len(rows) > 5:
        errors.append(f"{where}: {len(rows)} > 5 action rows")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        if row.get("type") != 1:
            errors.append(f"{where}.{r}: top-level component must be an action row")
            continue
        items = row.get("components") or []
        if not 1 <= len(items) <= 5:
            errors.append(f"{where}.{r}.components: {len(items)} items, must be 1..5")
        for i, item in enumerate(items):
            here = f"{where}.{r}.components.{i}"
            custom_id = item.get("custom_id")
            if item.get("type") == 2:
                if item.get("style") == 5:
                    if not item.get("url"):
                        errors.append(f"{here}.url: link button needs a url")
                elif item.get("style") != 6:
                    _check_len(errors, f"{here}.custom_id", custom_id, 100, required=True)
                _check_len(errors, f"{here}.label", item.get("label"), 80)
            elif item.get("type") in (3, 5, 6, 7, 8):
                _check_len(errors, f"{here}.custom_id", custom_id, 100, required=True)
                _check_len(errors, f"{here}.placeholder", item.get("placeholder"), 150)
                options = item.get("options")
                if item.get("type") == 3 and not 1 <= len(options or []) <= 25:
                    errors.append(f"{here}.options: {len(options or [])} options, must be 1..25")
                for o, option in enumerate(options or []):
                    _check_len(errors, f"{here}.options.{o}.label", option.get("label"), 100, required=True)
                    _check_len(errors, f"{here}.options.{o}.value", option.get("value"), 100, required=True)
            if custom_id is not None:
                if custom_id in seen:
                    errors.append(f"{here}.custom_id: duplicate {custom_id!r}")
                seen.add(custom_id)
    return errors


def message_errors(body: dict[str, Any], *, edit: bool = False) -> list[str]:
    """Everything Discord checks on a message create/edit body that a bot can get wrong."""
    errors: list[str] = []
    content = body.get("content")
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if not edit and not (
        content or embeds or components or body.get("attachments") or body.get("sticker_ids") or body.get("poll")
    ):
        return ["50006: Cannot send an empty message"]
    _check_len(errors, "content", content, 2000)
    if len(embeds) > 10:
        errors.append(f"embeds: {len(embeds)} > 10")
    total = 0
    for i, embed in enumerate(embeds):
        errors += embed_errors(embed, f"embeds.{i}")
        total += embed_total(embed)
    if total > 6000:
        errors.append(f"embeds: {total} > 6000 characters in total")
    flags = body.get("flags") or 0
    if components and not flags & IS_COMPONENTS_V2:
        errors += component_errors(components)
    mentions = body.get("allowed_mentions")
    if mentions is not None:
        parse = mentions.get("parse", [])
        if not set(parse) <= {"users", "roles", "everyone"}:
            errors.append(f"allowed_mentions.parse: unknown values {parse!r}")
        if "users" in parse and mentions.get("users"):
            errors.append("allowed_mentions: parse users and users list are mutually exclusive")
    return errors


def modal_errors(data: dict[str, Any]) -> list[str]:
    """A modal callback (type 9)."""
    errors: list[str] = []
    _check_len(errors, "data.custom_id", data.get("custom_id"), 100, required=True)
    _check_len(errors, "data.title", data.get("title"), 45, required=True)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        errors.append(f"data.components: {len(rows)} items, must be 1..5")
    for r, row in enumerate(rows):
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        if row.get("type") == 18:
            _check_len(errors, f"data.components.{r}.label", row.get("label"), 45, required=True)
        for item in inner:
            if item.get("type") == 4:
                _check_len(errors, f"data.components.{r}.custom_id", item.get("custom_id"), 100, required=True)
                if row.get("type") == 1:
                    _check_len(errors, f"data.components.{r}.label", item.get("label"), 45, required=True)
                if (item.get("max_length") or 0) > 4000:
                    errors.append(f"data.components.{r}.max_length: > 4000")
    return errors


def autocomplete_errors(data: dict[str, Any]) -> list[str]:
    """An autocomplete result (type 8): at most 25 choices, names 1..100."""
    errors: list[str] = []
    choices = data.get("choices")
    if choices is None:
        return ["data.choices: required"]
    if len(choices) > 25:
        errors.append(f"data.choices: {len(choices)} > 25")
    for i, choice in enumerate(choices):
        _check_len(errors, f"data.choices.{i}.name", choice.get("name"), 100, required=True)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            errors.append(f"data.choices.{i}.value: > 100 characters")
    return errors


def command_errors(commands: list[dict[str, Any]]) -> list[str]:
    """A bulk overwrite of application commands."""
    errors: list[str] = []
    names: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        kind = cmd.get("type", 1)
        name = cmd.get("name", "")
        if (kind, name) in names:
            errors.append(f"{i}.name: duplicate command {name!r}")
        names.add((kind, name))
        if kind == 1:
            if not _SLASH_NAME.match(name) or name != name.lower():
                errors.append(f"{i}.name: invalid slash command name {name!r}")
            _check_len(errors, f"{i}.description", cmd.get("description"), 100, required=True)
        elif not 1 <= len(name) <= 32:
            errors.append(f"{i}.name: context menu name must be 1..32 characters")
        options = cmd.get("options") or []
        if len(options) > 25:
            errors.append(f"{i}.options: {len(options)} > 25")
        optional_seen = False
        for o, option in enumerate(options):
            if not _SLASH_NAME.match(option.get("name", "")):
                errors.append(f"{i}.options.{o}.name: invalid {option.get('name')!r}")
            _check_len(errors, f"{i}.options.{o}.description", option.get("description"), 100, required=True)
            if option.get("required"):
                if optional_seen:
                    errors.append(f"{i}.options.{o}: required options must come before optional ones")
            else:
                optional_seen = True
            if len(option.get("choices") or []) > 25:
                errors.append(f"{i}.options.{o}.choices: > 25")
            if option.get("choices") and option.get("autocomplete"):
                errors.append(f"{i}.options.{o}: choices and autocomplete are exclusive")
    return errors
