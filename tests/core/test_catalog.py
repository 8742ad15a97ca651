"""Loading and checking catalogs: the shipped one, a valid fixture, and one fixture per kind of problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.catalog import check_catalog, default_catalog_dir, load_catalog, resolve_catalog_dir
from bot.core.errors import CatalogError, ConfigError
from bot.core.model import Catalog, Resource

VALID = Path(__file__).resolve().parent.parent / "data" / "catalogs" / "valid"


def test_shipped_catalog_has_no_errors_or_warnings():
    """The catalog in the repository (or wheel) checks clean."""
    catalog, problems = check_catalog(default_catalog_dir())
    assert [str(p) for p in problems] == []
    assert catalog is not None and len(catalog.resources) >= 100


def test_default_catalog_dir_holds_tags_and_resources():
    """The default directory is a real directory with tags.yaml and resources/."""
    directory = default_catalog_dir()
    assert (directory / "tags.yaml").is_file()
    assert any((directory / "resources").glob("*.yaml"))


def test_valid_fixture_loads_model_objects(valid_catalog_dir: Path):
    """A valid catalog gives Tag and Resource objects with tuples and stripped text."""
    catalog = load_catalog(valid_catalog_dir)
    assert isinstance(catalog, Catalog) and catalog.source == valid_catalog_dir
    assert list(catalog.tags) == ["cnn", "kernels"]
    assert catalog.tags["cnn"].aliases == ("convnet", "conv net")
    assert catalog.get("cs231n-convnets") == Resource(
        id="cs231n-convnets",
        title="CS231n: Convolutional Neural Networks",
        url="https://cs231n.github.io/convolutional-networks/",
        description="Course notes with an animated demo of filters sliding over a volume.",
        tags=("cnn", "kernels"),
        kind="course",
        level="intermediate",
        keywords=("stride", "padding"),
        author="Andrej Karpathy",
    )


def test_resources_ordered_by_file_then_position(valid_catalog_dir: Path):
    """Resources come in file-name order, then in their order within the file."""
    catalog = load_catalog(valid_catalog_dir)
    assert [r.id for r in catalog.resources] == ["image-kernels", "cs231n-convnets", "convnetjs-classify2d"]


def test_text_is_stripped(tmp_path: Path, valid_catalog_dir: Path):
    """Surrounding whitespace in fields and list items is removed."""
    directory = _copy(valid_catalog_dir, tmp_path)
    (directory / "resources" / "c-extra.yaml").write_text(
        "- id: extra\n  title: '  Padded  '\n  url: ' https://example.org/x '\n  description: |\n    Two\n    lines.\n"
        "  tags: [' cnn ']\n  keywords: [' a ']\n  kind: article\n  level: beginner\n",
        encoding="utf-8",
    )
    extra = load_catalog(directory).get("extra")
    assert (extra.title, extra.url, extra.description, extra.tags, extra.keywords) == (
        "Padded",
        "https://example.org/x",
        "Two\nlines.",
        ("cnn",),
        ("a",),
    )


# fixture, file (relative to the fixture's parent: the tests run from there), line, entry id, field, severity, fragment
SINGLE_PROBLEM = [
    ("yaml_syntax", "resources/c-broken.yaml", 9, None, None, "error", "YAML syntax error"),
    ("mapping_not_list", "resources/c-mapping.yaml", 1, None, None, "error", "must be a list of resources"),
    ("missing_field", "resources/c-extra.yaml", 1, "extra", "url", "error", "is missing"),
    ("empty_field", "resources/c-extra.yaml", 2, "extra", "title", "error", "is empty"),
    ("long_title", "resources/c-extra.yaml", 2, "extra", "title", "error", "must be one line of at most 200"),
    ("unknown_field", "resources/c-extra.yaml", 8, "extra", "tag", "error", "unknown field (did you mean 'tags'?)"),
    ("wrong_type", "resources/c-extra.yaml", 2, "extra", "title", "error", "must be text, found a number"),
    ("tags_not_list", "resources/c-extra.yaml", 5, "extra", "tags", "error", "must be a list"),
    ("no_tags", "resources/c-extra.yaml", 5, "extra", "tags", "error", "needs at least one tag"),
    ("too_many_tags", "resources/c-extra.yaml", 5, "extra", "tags", "warning", "has 6 tags; use at most 5"),
    (
        "unknown_tag",
        "resources/c-extra.yaml",
        5,
        "extra",
        "tags",
        "error",
        "unknown tag 'kernal' (did you mean 'kernels'?)",
    ),
    ("alias_as_tag", "resources/c-extra.yaml", 5, "extra", "tags", "error", "it is an alias of 'cnn'"),
    ("unknown_kind", "resources/c-extra.yaml", 6, "extra", "kind", "error", "'blog' is not one of interactive"),
    ("unknown_level", "resources/c-extra.yaml", 7, "extra", "level", "error", "'expert' is not one of beginner"),
    ("bad_url", "resources/c-extra.yaml", 3, "extra", "url", "error", "must start with http:// or https://"),
    ("relative_url", "resources/c-extra.yaml", 3, "extra", "url", "error", "must start with http:// or https://"),
    ("bad_image", "resources/c-extra.yaml", 8, "extra", "image", "error", "must not contain a user name or password"),
    ("bad_id", "resources/c-extra.yaml", 1, "Extra_Page", "id", "error", "is not a slug"),
    (
        "duplicate_id",
        "resources/c-extra.yaml",
        1,
        "image-kernels",
        "id",
        "error",
        "duplicate id, first used at duplicate_id/resources/a-kernels.yaml:1",
    ),
    (
        "duplicate_url",
        "resources/c-extra.yaml",
        3,
        "extra",
        "url",
        "error",
        "same page as [image-kernels] at duplicate_url/resources/a-kernels.yaml:3",
    ),
    ("duplicate_key", "resources/c-extra.yaml", 8, None, "title", "error", "appears twice"),
    (
        "alias_collision",
        "tags.yaml",
        12,
        "vision",
        "aliases",
        "error",
        "alias 'Conv_Net' collides with the alias of tag 'cnn' (alias_collision/tags.yaml:4)",
    ),
    ("alias_is_slug", "tags.yaml", 12, "vision", "aliases", "error", "alias 'CNN' collides with the slug of tag 'cnn'"),
    ("bad_tag_slug", "tags.yaml", 9, "Computer Vision", "slug", "error", "is not a slug"),
    ("tag_missing_title", "tags.yaml", 9, "vision", "title", "error", "is missing"),
    ("tag_missing_aliases", "tags.yaml", 9, "vision", "aliases", "error", "is missing"),
    ("unused_tag", "tags.yaml", 9, "vision", None, "warning", "no resource uses this tag"),
    ("no_resources", "resources", None, None, None, "error", "no resource files"),
    ("no_tags_file", "tags.yaml", None, None, None, "error", "is missing"),
    ("tabs", "resources/c-extra.yaml", 6, None, None, "error", "indented with a tab"),
    ("yaml_bomb", "resources/c-bomb.yaml", 1, None, None, "error", "anchors and aliases are not allowed"),
    ("python_tag", "resources/c-extra.yaml", 2, None, None, "error", "YAML tag !!python/object/apply:os.system"),
]


@pytest.mark.parametrize(("fixture", "file", "line", "entry_id", "field", "severity", "fragment"), SINGLE_PROBLEM)
def test_each_broken_fixture_reports_one_problem(
    catalogs_dir, monkeypatch, fixture, file, line, entry_id, field, severity, fragment
):
    """Each fixture has exactly one problem, naming its file, line, entry and field."""
    monkeypatch.chdir(catalogs_dir)
    _, problems = check_catalog(catalogs_dir / fixture)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert (problem.file, problem.line, problem.entry_id, problem.field, problem.severity) == (
        f"{fixture}/{file}",
        line,
        entry_id,
        field,
        severity,
    )
    assert fragment in problem.message


@pytest.mark.parametrize("fixture", [row[0] for row in SINGLE_PROBLEM if row[5] == "warning"])
def test_warnings_alone_still_load(catalogs_dir, fixture):
    """A catalog with only warnings loads."""
    assert load_catalog(catalogs_dir / fixture).resources


def test_every_problem_is_reported_in_one_run(catalogs_dir, monkeypatch):
    """Problems in several files and entries all appear, in file and line order."""
    monkeypatch.chdir(catalogs_dir)
    catalog, problems = check_catalog(catalogs_dir / "many_problems")
    assert catalog is None
    assert [(p.file.split("/", 2)[2], p.line, p.field) for p in problems] == [
        ("a-kernels.yaml", 6, "kind"),
        ("b-cnn.yaml", 3, "url"),
        ("b-cnn.yaml", 5, "tags"),
        ("b-cnn.yaml", 8, "id"),
        ("c-broken.yaml", 2, None),
    ]


@pytest.mark.parametrize(
    ("run_from", "shown"),
    [
        ("catalog", "resources/c-empty.yaml"),
        (".", "work/catalog/resources/c-empty.yaml"),
        ("work", "catalog/resources/c-empty.yaml"),
        ("elsewhere", None),
        ("work/catalog/resources", "c-empty.yaml"),
    ],
)
def test_problem_files_open_from_where_the_check_runs(tmp_path, monkeypatch, valid_catalog_dir, run_from, shown):
    """A problem names its file relative to the current directory when under it, else by its absolute path;
    either way the name opens the file from there."""
    directory = shutil.copytree(valid_catalog_dir, tmp_path / "work" / "catalog")
    (directory / "resources" / "c-empty.yaml").write_text("# todo\n", encoding="utf-8")
    here = directory if run_from == "catalog" else tmp_path / run_from
    here.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(here)
    given = directory if run_from != "elsewhere" else Path("..") / "work" / "catalog"
    _, problems = check_catalog(given)
    assert len(problems) == 1, [str(p) for p in problems]
    expected = shown or (tmp_path / "work" / "catalog" / "resources" / "c-empty.yaml").as_posix()
    assert problems[0].file == expected and Path(problems[0].file).is_file()


def test_load_raises_catalog_error_with_every_problem(catalogs_dir):
    """load_catalog raises CatalogError carrying all problems; its message is one line."""
    with pytest.raises(CatalogError) as caught:
        load_catalog(catalogs_dir / "many_problems")
    assert len(caught.value.problems) == 5
    message = str(caught.value)
    assert "\n" not in message and "a-kernels.yaml:6" in message and "(and 4 more)" in message


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(source, target)
    return target


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        (b"- id: x\n" * (5 * 1024 * 1024 // 8), None, "files larger than"),
        (b"- id: extra\n  title: Caf\xe9\n", 2, "not valid UTF-8"),
        (b"- id: extra\n  title: " + b"[" * 50_000, 2, "nested"),
        (b"- id: extra\n  title: \x07\n", 2, "control character U+0007"),
    ],
    ids=["5MB", "latin1", "deep", "control"],
)
def test_bad_input_names_file_and_line(tmp_path, monkeypatch, valid_catalog_dir, content, line, fragment):
    """Hostile files give one clear problem naming the file (and line where known); the rest still loads."""
    monkeypatch.chdir(tmp_path)
    directory = _copy(valid_catalog_dir, tmp_path)
    (directory / "resources" / "c-bad.yaml").write_bytes(content)
    catalog, problems = check_catalog(directory)
    assert catalog is None
    assert len(problems) == 1
    assert problems[0].file == "catalog/resources/c-bad.yaml"
    assert problems[0].line == line
    assert fragment in problems[0].message


@pytest.mark.parametrize("url", ["http://intranet/viz", "http://localhost:8080/demo", "http://10.1.2.3/notes"])
def test_catalog_urls_may_name_the_maintainers_own_network(tmp_path, valid_catalog_dir, url):
    """The catalog shares the suggestion URL check but not its public-site rule: a single-label name is treated like
    localhost and private addresses (allowed for the curated catalog), while malformed hosts are still refused."""
    directory = _copy(valid_catalog_dir, tmp_path)
    path = directory / "resources" / "a-kernels.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("https://setosa.io/ev/image-kernels/", url), encoding="utf-8"
    )
    catalog, problems = check_catalog(directory)
    assert problems == [] and catalog is not None and catalog.resources[0].url == url


def test_empty_resource_file_is_an_error(tmp_path, monkeypatch, valid_catalog_dir):
    """An empty resource file is reported rather than silently skipped."""
    monkeypatch.chdir(tmp_path)
    directory = _copy(valid_catalog_dir, tmp_path)
    (directory / "resources" / "c-empty.yaml").write_text("# todo\n", encoding="utf-8")
    _, problems = check_catalog(directory)
    assert [(p.file, p.severity) for p in problems] == [("catalog/resources/c-empty.yaml", "error")]
    assert "found nothing" in problems[0].message


def test_missing_resources_directory_is_an_error(tmp_path, monkeypatch, valid_catalog_dir):
    """A catalog without resources/ says so."""
    monkeypatch.chdir(tmp_path)
    directory = _copy(valid_catalog_dir, tmp_path)
    shutil.rmtree(directory / "resources")
    _, problems = check_catalog(directory)
    assert [(p.file, p.line, p.message) for p in problems] == [
        ("catalog/resources", None, "is missing: no resource files (*.yaml) found")
    ]


def test_yml_files_are_ignored_with_a_warning(tmp_path, monkeypatch, valid_catalog_dir):
    """A resources/*.yml file is not read, and the check says so."""
    monkeypatch.chdir(tmp_path)
    directory = _copy(valid_catalog_dir, tmp_path)
    (directory / "resources" / "extra.yml").write_text("not: read\n", encoding="utf-8")
    catalog, problems = check_catalog(directory)
    assert catalog is not None and len(catalog.resources) == 3
    assert [(p.file, p.severity) for p in problems] == [("catalog/resources/extra.yml", "warning")]


def test_broken_tags_file_does_not_flood_unknown_tags(tmp_path, monkeypatch, valid_catalog_dir):
    """When tags.yaml cannot be read, resources are not each blamed for unknown tags."""
    monkeypatch.chdir(tmp_path)
    directory = _copy(valid_catalog_dir, tmp_path)
    (directory / "tags.yaml").write_text("cnn: [unclosed\n", encoding="utf-8")
    _, problems = check_catalog(directory)
    assert [p.file for p in problems] == ["catalog/tags.yaml"]


EXTRA_RESOURCE = """- id: {id}
  title: Bad tag
  url: https://example.org/{id}
  description: d
  tags: [{tag}]
  kind: article
  level: beginner
"""


def test_alias_collision_does_not_hide_other_problems(tmp_path, monkeypatch, valid_catalog_dir):
    """An alias collision, an unknown tag in a resource and an unused tag are all reported in one run."""
    monkeypatch.chdir(tmp_path)
    directory = _copy(valid_catalog_dir, tmp_path)
    with (directory / "tags.yaml").open("a", encoding="utf-8") as tags:
        tags.write("unused-tag:\n  title: Unused\n  description: nobody uses me\n  aliases: [convnet]\n")
    (directory / "resources" / "c-extra.yaml").write_text(
        EXTRA_RESOURCE.format(id="bad-tag", tag="nosuchtag"), encoding="utf-8"
    )
    catalog, problems = check_catalog(directory)
    assert catalog is None
    assert [(p.file, p.line, p.entry_id, p.field, p.severity) for p in problems] == [
        ("catalog/tags.yaml", 9, "unused-tag", None, "warning"),
        ("catalog/tags.yaml", 12, "unused-tag", "aliases", "error"),
        ("catalog/resources/c-extra.yaml", 5, "bad-tag", "tags", "error"),
    ]
    assert "collides with the alias of tag 'cnn'" in problems[1].message
    assert "unknown tag 'nosuchtag'" in problems[2].message


def test_a_broken_tag_is_not_unknown_in_resources(tmp_path, monkeypatch, valid_catalog_dir):
    """A tag whose own entry is broken is reported once, in tags.yaml; a resource using it is not blamed,
    while a resource naming a tag that is nowhere still is."""
    monkeypatch.chdir(tmp_path)
    directory = _copy(valid_catalog_dir, tmp_path)
    with (directory / "tags.yaml").open("a", encoding="utf-8") as tags:
        tags.write("vision:\n  description: no title\n  aliases: []\n")
    extra = EXTRA_RESOURCE.format(id="uses-vision", tag="vision") + EXTRA_RESOURCE.format(id="other", tag="nosuchtag")
    (directory / "resources" / "c-extra.yaml").write_text(extra, encoding="utf-8")
    _, problems = check_catalog(directory)
    assert [(p.file, p.entry_id, p.field) for p in problems if p.severity == "error"] == [
        ("catalog/tags.yaml", "vision", "title"),
        ("catalog/resources/c-extra.yaml", "other", "tags"),
    ]


def test_resolve_prefers_explicit_then_env_then_default(tmp_path):
    """--catalog beats VIZBOT_CATALOG beats the shipped catalog."""
    explicit, from_env = tmp_path / "a", tmp_path / "b"
    explicit.mkdir()
    from_env.mkdir()
    env = {"VIZBOT_CATALOG": str(from_env)}
    assert resolve_catalog_dir(explicit, env) == explicit
    assert resolve_catalog_dir(None, env) == from_env
    assert resolve_catalog_dir(None, {}) == default_catalog_dir()
    assert resolve_catalog_dir(None, {"VIZBOT_CATALOG": "  "}) == default_catalog_dir()


@pytest.mark.parametrize("use_env", [False, True])
def test_resolve_missing_dir_is_a_config_error(tmp_path, use_env):
    """A directory that does not exist is a clear ConfigError naming it."""
    missing = tmp_path / "nope"
    env = {"VIZBOT_CATALOG": str(missing)} if use_env else {}
    with pytest.raises(ConfigError, match="does not exist") as caught:
        resolve_catalog_dir(None if use_env else missing, env)
    assert str(missing) in str(caught.value)


_FIELDS = ["id", "title", "url", "description", "tags", "keywords", "kind", "level", "author", "image"]
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.sampled_from(["cnn", "kernels", "article"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(document=_VALUES)
def test_any_document_gives_problems_not_exceptions(tmp_path_factory, document):
    """Whatever structure a resource file holds, checking it returns problems and never raises."""
    directory = tmp_path_factory.mktemp("fuzz") / "catalog"
    shutil.copytree(VALID, directory)
    (directory / "resources" / "c-fuzz.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    catalog, problems = check_catalog(directory)
    assert catalog is not None or any(p.severity == "error" for p in problems)
