"""Reading one YAML file defensively, keeping the line of every mapping key and list item.

Refuses, with a message and line instead of a traceback or a hang: files over
``MAX_FILE_BYTES`` (before reading them), bytes that are not UTF-8, tabs in
indentation, syntax errors, anchors and aliases (so a "billion laughs" document
cannot expand), unknown ``!tags`` and absurdly deep nesting.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 20


_PLAIN_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("seq", "map", "str", "int", "float", "bool", "null", "timestamp")
)


_KIND_NAMES = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:timestamp": "a date",
}


class YamlReadError(Exception):
    """The file cannot be read as YAML; ``line`` is 1-based or ``None``."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class LMap(dict):
    """A YAML mapping as a dict, plus the 1-based line of itself and of each key."""

    line: int
    key_lines: dict[object, int]


class LList(list):
    """A YAML sequence as a list, plus the 1-based line of itself and of each item."""

    line: int
    item_lines: list[int]


@dataclass
class ParsedYaml:
    """A parsed document (``None`` when empty) and the non-fatal issues found (line, key, message)."""

    value: object
    issues: list[tuple[int, str, str]] = field(default_factory=list)


class _RefuseAliases:
    """Composer mix-in that refuses anchors and aliases instead of expanding them, and deep nesting."""

    _depth = 0
    peek_event: Callable[[], Any]  # from the parser it is mixed with

    def compose_node(self, parent: Node | None, index: object) -> Node:
        event: Any = self.peek_event()  # a yaml Event; every event the parser yields has a start mark
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlReadError(
                f"uses the YAML alias *{event.anchor}; anchors and aliases are not allowed",
                line,
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlReadError(
                f"uses the YAML anchor &{anchor}; anchors and aliases are not allowed",
                line,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlReadError(f"is nested more than {MAX_DEPTH} levels deep", line)
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


try:  # libyaml's C parser reads events about four times faster; PyYAML without it still works
    from yaml._yaml import CParser as _Parser  # what yaml.cyaml re-exports
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]


class _NoAliasLoader(_RefuseAliases, Composer, _Parser, SafeConstructor, Resolver):
    """A safe loader: events from libyaml (when present), nodes composed here so aliases can be refused."""

    def __init__(self, stream: str):
        _Parser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _describe(error: yaml.YAMLError) -> tuple[str, int | None]:
    """A one-line message and line for a PyYAML error."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    if "nesting depth" in str(problem):  # libyaml's own guard fires before ours on very deep input
        return f"is nested more than {MAX_DEPTH} levels deep", (mark.line + 1 if mark is not None else None)
    message = f"{context}: {problem}" if context else problem
    return f"YAML syntax error: {message}", (mark.line + 1 if mark is not None else None)


# Characters outside YAML's printable set (YAML 1.1 spec, 5.1), which both parsers refuse.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _find_tab_indent(text: str) -> int | None:
    """The 1-based line of the first line indented with a tab, or ``None``."""
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" \t")
        if stripped and "\t" in raw[: len(raw) - len(stripped)]:
            return number
    return None


def _scalar(loader: _NoAliasLoader, node: ScalarNode) -> object:
    """One plain value; a value YAML cannot convert (``2020-13-45``, ``!!int abc``) is refused."""
    try:
        return loader.construct_object(node)
    except (ValueError, KeyError, TypeError, OverflowError):
        raise YamlReadError(
            f"cannot read {node.value!r} as {_KIND_NAMES.get(node.tag, node.tag)}; put it in quotes if it is text",
            _line(node),
        ) from None


def _convert(loader: _NoAliasLoader, node: Node, issues: list[tuple[int, str, str]]) -> object:
    if node.tag not in _PLAIN_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise YamlReadError(f"uses the YAML tag {tag}, which is not allowed", _line(node))
    if isinstance(node, ScalarNode):
        return _scalar(loader, node)
    if isinstance(node, SequenceNode):
        items = LList()
        items.line, items.item_lines = _line(node), []
        for child in node.value:
            items.append(_convert(loader, child, issues))
            items.item_lines.append(_line(child))
        return items
    if isinstance(node, MappingNode):
        mapping = LMap()
        mapping.line, mapping.key_lines = _line(node), {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise YamlReadError("mapping keys must be plain words, not lists or mappings", _line(key_node))
            if key_node.tag not in _PLAIN_TAGS:
                raise YamlReadError("mapping keys must be plain words", _line(key_node))
            key = _scalar(loader, key_node)
            if key in mapping:
                issues.append((_line(key_node), str(key), "appears twice in the same mapping; the last one wins"))
            mapping[key] = _convert(loader, value_node, issues)
            mapping.key_lines[key] = _line(key_node)
        return mapping
    raise YamlReadError("contains a YAML node of an unknown kind", _line(node))


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document from ``text``; raises ``YamlReadError`` when it cannot."""
    tab_line = _find_tab_indent(text)
    if tab_line is not None:
        raise YamlReadError("is indented with a tab; YAML indentation must use spaces", tab_line)
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text[: bad.start()].count("\n") + 1
        message = f"contains the control character U+{ord(bad.group()):04X}, which YAML does not allow"
        raise YamlReadError(message, line)
    issues: list[tuple[int, str, str]] = []
    loader = _NoAliasLoader(text)
    try:
        root = loader.get_single_node()
        value = None if root is None else _convert(loader, root, issues)
    except yaml.YAMLError as exc:
        message, where = _describe(exc)
        raise YamlReadError(message, where) from None
    except RecursionError:
        raise YamlReadError("is nested too deeply to read") from None
    finally:
        loader.dispose()
    return ParsedYaml(value, issues)


def read_yaml(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> ParsedYaml:
    """Read and parse ``path``; raises ``YamlReadError`` for anything it refuses."""
    try:
        info = path.stat()
    except OSError as exc:
        raise YamlReadError(f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise YamlReadError("is not a regular file")
    size = info.st_size
    if size > max_bytes:
        raise YamlReadError(
            f"is {size / 1_000_000:.1f} MB; files larger than {max_bytes / 1_000_000:.1f} MB are refused"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise YamlReadError(f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise YamlReadError(f"is larger than {max_bytes / 1_000_000:.1f} MB; files that large are refused")
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlReadError(f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", line) from None
    return parse_yaml(text)
