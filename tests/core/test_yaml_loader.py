"""Defensive YAML reading: line numbers kept, hostile input refused with a line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.yaml_loader import MAX_FILE_BYTES, LList, LMap, YamlReadError, parse_yaml, read_yaml


def test_lines_of_keys_and_items_are_kept():
    """Mappings record each key's line, lists each item's line (1-based)."""
    parsed = parse_yaml("# comment\n- id: a\n  tags:\n    - x\n    - y\n- id: b\n")
    root = parsed.value
    assert isinstance(root, LList) and root.item_lines == [2, 6]
    first = root[0]
    assert isinstance(first, LMap) and first.line == 2
    assert first.key_lines == {"id": 2, "tags": 3}
    assert first["tags"].item_lines == [4, 5]
    assert parsed.issues == []


def test_empty_document_is_none():
    """An empty file parses to None rather than failing."""
    assert parse_yaml("# nothing here\n").value is None


def test_duplicate_key_is_an_issue_with_its_line():
    """A key given twice is reported, not silently overwritten."""
    parsed = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert parsed.issues == [(3, "a", "appears twice in the same mapping; the last one wins")]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("- id: [unclosed\n", 2, "YAML syntax error"),
        ("a: 1\n\tb: 2\n", 2, "indented with a tab"),
        ("a: &x [1, 2]\nb: *x\n", 1, "anchors and aliases are not allowed"),
        ("a: *x\n", 1, "alias"),
        ("a: !!python/object/apply:os.system [echo]\n", 1, "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system\n", 1, "!!python/name:os.system, which is not allowed"),
        ("a: !custom 1\n", 1, "!custom, which is not allowed"),
        ("--- 1\n--- 2\n", 2, "YAML syntax error"),
        ("a: b: c\n", 1, "YAML syntax error"),
        ("[" * 30 + "]" * 30, 1, "nested more than"),
        ("a: 1\nb: 2020-13-45\n", 2, "cannot read '2020-13-45' as a date"),
        ("a: !!int abc\n", 1, "cannot read 'abc' as a whole number"),
        ("a: !!binary aGk=\n", 1, "!!binary"),
        ("<<: {a: 1}\n", 1, "mapping keys must be plain words"),
        ("? [a, b]\n: 1\n", 1, "mapping keys must be plain words"),
    ],
)
def test_refused_text_names_the_line(text, line, fragment):
    """Syntax errors, tabs, anchors, unsafe tags and deep nesting are refused with a line."""
    with pytest.raises(YamlReadError) as caught:
        parse_yaml(text)
    assert caught.value.line == line
    assert fragment in caught.value.message


def test_billion_laughs_is_refused_quickly():
    """A YAML bomb is refused at its first anchor, before any expansion."""
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    with pytest.raises(YamlReadError, match="anchor"):
        parse_yaml("\n".join(levels))


def test_very_deep_nesting_does_not_crash():
    """A huge nesting depth gives a YamlReadError, not a RecursionError."""
    with pytest.raises(YamlReadError, match="nest"):
        parse_yaml("[" * 100_000)


def test_tab_inside_a_value_is_allowed():
    """Only tabs in indentation are refused; a tab inside text is fine."""
    assert parse_yaml('a: "x\ty"\n').value == {"a": "x\ty"}


def test_oversized_file_is_refused_before_reading(tmp_path: Path):
    """A 5 MB file is refused by size, with the size in the message."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"- id: x\n" * (5 * 1024 * 1024 // 8))
    with pytest.raises(YamlReadError, match=r"5\.2 MB; files larger than 1\.0 MB are refused"):
        read_yaml(big)


def test_non_utf8_bytes_name_the_line(tmp_path: Path):
    """Bytes that are not UTF-8 are refused with their line."""
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("- id: a\n  title: Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(YamlReadError, match="not valid UTF-8") as caught:
        read_yaml(bad)
    assert caught.value.line == 2


def test_utf8_bom_is_accepted(tmp_path: Path):
    """A UTF-8 byte order mark does not break parsing."""
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_yaml(path).value == {"a": 1}


def test_limit_is_exactly_the_size(tmp_path: Path):
    """A file of exactly the limit is read; one byte more is refused."""
    path = tmp_path / "edge.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES - 1) + b"\n")
    assert read_yaml(path).value is None
    path.write_bytes(b"#" * MAX_FILE_BYTES + b"\n")
    with pytest.raises(YamlReadError, match="refused"):
        read_yaml(path)


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(list("-:[]{}&*!|>#'\"\t\n ,?%@`<.abcex0129\x07")), max_size=80))
def test_any_text_parses_or_raises_yaml_read_error(text):
    """Arbitrary YAML-ish text never escapes as another exception."""
    try:
        parse_yaml(text)
    except YamlReadError as exc:
        assert exc.message


def test_fifo_is_refused_without_blocking(tmp_path: Path):
    """A named pipe is refused by its type, before any read could block."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(YamlReadError, match="not a regular file"):
        read_yaml(fifo)


def test_missing_file_is_a_read_error(tmp_path: Path):
    """A file that vanished is a clear error, not an OSError."""
    with pytest.raises(YamlReadError, match="cannot be read"):
        read_yaml(tmp_path / "gone.yaml")
