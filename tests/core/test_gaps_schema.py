"""Known gaps (``gaps.yaml``): read, checked against the tags, and loaded with the catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.catalog import check_catalog, load_catalog
from bot.core.errors import CatalogError
from bot.core.model import Gap

GAPS = """\
graph-neural-networks:
  title: Graph neural networks
  aliases: [gnn, gnns, message passing neural network]
kalman-filter:
  title: Kalman filter
  aliases: []
"""


def _catalog(tmp_path: Path, valid_catalog_dir: Path, gaps: str | bytes | None) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(valid_catalog_dir, target)
    if gaps is not None:
        path = target / "gaps.yaml"
        path.write_bytes(gaps if isinstance(gaps, bytes) else gaps.encode())
    return target


def test_gaps_load_with_the_catalog(tmp_path, valid_catalog_dir):
    """Each gap becomes a Gap with its title and aliases, in file order."""
    catalog = load_catalog(_catalog(tmp_path, valid_catalog_dir, GAPS))
    assert list(catalog.gaps) == ["graph-neural-networks", "kalman-filter"]
    assert catalog.gaps["graph-neural-networks"] == Gap(
        "graph-neural-networks", "Graph neural networks", ("gnn", "gnns", "message passing neural network")
    )
    assert catalog.gaps["kalman-filter"].aliases == ()


@pytest.mark.parametrize("content", [None, "", "# nothing yet\n"], ids=["absent", "empty", "comment"])
def test_no_gaps_file_or_an_empty_one_means_no_gaps(tmp_path, valid_catalog_dir, content):
    """The file is optional, and an empty one is no gaps, without a problem."""
    catalog, problems = check_catalog(_catalog(tmp_path, valid_catalog_dir, content))
    assert problems == [] and catalog is not None and catalog.gaps == {}


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("- gnn\n", 1, "must be a mapping of gap slug"),
        ("Bad Slug:\n  title: X\n  aliases: []\n", 1, "slug"),
        ("gnn:\n  aliases: [gnns]\n", 1, "title"),
        ("gnn:\n  title: GNN\n  aliases: gnns\n", 3, "must be a list"),
        ("gnn:\n  title: GNN\n  aliases: []\n  description: x\n", 4, "unknown field"),
        ("gnn:\n  title: GNN\n  aliases: [convnet]\n", 3, "names tag 'cnn'"),
        ("kernel-images:\n  title: Image kernels\n  aliases: []\n", 2, "names tag 'kernels'"),
        ("gnn:\n  title: GNN\n  aliases: []\ngcn:\n  title: GCN\n  aliases: [gnn]\n", 6, "also names gap 'gnn'"),
        ("gnn:\n  title: [GNN\n", 3, "YAML syntax error"),
    ],
    ids=["list", "slug", "no-title", "aliases-text", "unknown-field", "tag-alias", "tag-title", "twice", "syntax"],
)
def test_a_bad_gaps_file_names_file_and_line(tmp_path, valid_catalog_dir, monkeypatch, content, line, fragment):
    """Every problem is an error naming gaps.yaml and the line, and the catalog does not load."""
    monkeypatch.chdir(tmp_path)
    directory = _catalog(tmp_path, valid_catalog_dir, content)
    catalog, problems = check_catalog(directory)
    assert catalog is None
    assert [(p.file, p.line, p.severity) for p in problems] == [("catalog/gaps.yaml", line, "error")]
    assert fragment in str(problems[0])
    with pytest.raises(CatalogError, match="gaps.yaml"):
        load_catalog(directory)


def test_a_gap_a_resource_lists_as_a_keyword_is_a_warning(tmp_path, valid_catalog_dir, monkeypatch):
    """A gap named in some resource's keywords may be covered now: a warning naming the resource."""
    monkeypatch.chdir(tmp_path)
    catalog, problems = check_catalog(
        _catalog(tmp_path, valid_catalog_dir, "strides:\n  title: Stride\n  aliases: []\n")
    )
    assert catalog is not None and list(catalog.gaps) == ["strides"]
    [problem] = problems
    assert (problem.file, problem.line, problem.severity) == ("catalog/gaps.yaml", 2, "warning")
    assert "'cs231n-convnets' has the keyword 'stride'" in problem.message


def test_a_deep_check_warns_about_aliases_no_question_can_match(tmp_path, valid_catalog_dir, monkeypatch):
    """An alias with a word questions are read without, or one word the resources use, is never matched: said by the
    deep check (``vizbot catalog check``) with its line, not by loading."""
    monkeypatch.chdir(tmp_path)
    gaps = "link-prediction:\n  title: Link prediction\n  aliases: [edge prediction, link prediction, sliding]\n"
    directory = _catalog(tmp_path, valid_catalog_dir, gaps)
    assert check_catalog(directory)[1] == []
    catalog, problems = check_catalog(directory, deep=True)
    assert catalog is not None and catalog.gaps["link-prediction"].aliases[0] == "edge prediction"
    assert [(p.line, p.severity, p.field) for p in problems] == [(3, "warning", "aliases")] * 2
    assert "'link prediction' is never matched in questions (it has 'link', which questions" in problems[0].message
    assert "'sliding' is a word the catalog's resources use" in problems[1].message
