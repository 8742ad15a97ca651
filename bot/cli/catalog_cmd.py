"""``vizbot catalog check|export|embed``: validate the catalog, print it as JSON, or embed it.

``check`` prints each problem (``str(Problem)``: ``file:line: severity [id] field: message``)
on standard error and exits 1 when there is any (a warning too); the one-line summary goes to standard output.
With ``--json`` it prints one document on standard output instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import add_catalog_option, processors, settings_from_args, whole_number
from bot.cli.errors import UsageError
from bot.cli.output import emit_json, info
from bot.core.catalog import check_catalog, load_catalog, resolve_catalog_dir
from bot.core.errors import ConfigError, Problem


def problem_json(problem: Problem) -> dict[str, object]:
    """One problem as JSON (every key always present)."""
    return {
        "file": problem.file,
        "line": problem.line,
        "severity": problem.severity,
        "id": problem.entry_id,
        "field": problem.field,
        "message": problem.message,
    }


def _catalog_dir(args: argparse.Namespace) -> Path:
    """DIR or ``--catalog``, else ``VIZBOT_CATALOG``, else the shipped catalog."""
    settings = settings_from_args(args)
    positional: Path | None = getattr(args, "dir", None)
    if positional is None:
        return resolve_catalog_dir(settings.catalog_dir)
    if args.catalog is not None and positional != args.catalog:
        raise UsageError("--catalog", "give the catalog directory once, either as DIR or with --catalog")
    try:
        return resolve_catalog_dir(positional.expanduser())
    except ConfigError as exc:  # the argument is at fault, whatever VIZBOT_CATALOG says
        raise ConfigError(str(exc), field="DIR") from None


def run_check(args: argparse.Namespace) -> int:
    """Validate the catalog; exit 1 when it has any problem (a warning too: the catalog still loads)."""
    directory = _catalog_dir(args)
    catalog, problems = check_catalog(directory, deep=True)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if args.json:
        emit_json(
            {
                "catalog": str(directory),
                "ok": catalog is not None and not problems,
                "loads": catalog is not None,
                "resources": len(catalog.resources) if catalog else None,
                "tags": len(catalog.tags) if catalog else None,
                "gaps": len(catalog.gaps) if catalog else None,
                "errors": errors,
                "warnings": warnings,
                "problems": [problem_json(p) for p in problems],
            }
        )
        return 0 if catalog is not None and not problems else 1
    for problem in problems:
        info(str(problem))
    if catalog is None:
        info(f"{directory}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
        return 1
    print(
        f"{len(catalog.resources)} resources, {len(catalog.tags)} tags, {len(catalog.gaps)} known gaps "
        f"({warnings} warning{'s' * (warnings != 1)}) "
        f"in {directory}"
    )
    return 1 if warnings else 0


def run_export(args: argparse.Namespace) -> int:
    """Print every resource (JSON with ``--json``, else one line each)."""
    directory = _catalog_dir(args)
    catalog = load_catalog(directory)
    info(f"{len(catalog.resources)} resources from {directory}")
    if args.json:
        emit_json([r.to_export() for r in catalog.resources])
        return 0
    for r in catalog.resources:
        print(f"{r.id}\t{r.kind}\t{r.level}\t{r.url}\t{r.title}")
    return 0


def run_embed(args: argparse.Namespace) -> int:
    """Write the catalog's vectors to DIR/embeddings/, so installs start without embedding it."""
    from bot.core.embedder import EmbeddingCache, load_embedder, progress_bar, text_key
    from bot.core.semantic import resource_text

    directory = _catalog_dir(args)
    catalog = load_catalog(directory)
    embedder = load_embedder(threads=args.threads)  # raises SemanticUnavailable with the reason
    texts = [resource_text(r, catalog) for r in catalog.resources]
    advance, close = progress_bar(len(texts))
    try:
        vectors = embedder.documents(texts, advance)
    finally:
        close()

    target = EmbeddingCache(directory / "embeddings")
    target.save({text_key(t): v for t, v in zip(texts, vectors)}, only=True)
    if args.json:
        emit_json(
            {"catalog": str(directory), "file": str(target.path), "resources": len(texts), "model": embedder.model_id}
        )
    else:
        print(f"{len(texts)} resources embedded into {target.path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``catalog check``, ``catalog export`` and ``catalog embed``."""
    parser = sub.add_parser("catalog", help="validate or export the curated catalog")
    actions = parser.add_subparsers(dest="catalog_command", metavar="ACTION")
    actions.required = True

    check = actions.add_parser(
        "check",
        help="validate the catalog and list every problem",
        description="Validate tags.yaml and resources/*.yaml. Problems go to standard error as "
        "'file:line: severity [id] field: message'; exits 1 when there is any problem (a warning too, "
        "though the catalog still loads), 0 when there is none.",
    )
    check.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="catalog directory (same as --catalog)")
    add_catalog_option(check)
    check.add_argument("--json", action="store_true", help="print the result as one JSON document")
    check.set_defaults(handler=run_check)

    export = actions.add_parser(
        "export",
        help="print every resource",
        description="Print every resource: with --json a list of {id, title, url, description, tags, "
        "keywords, kind, level}; otherwise one tab-separated line each (id, kind, level, url, title).",
    )
    add_catalog_option(export)
    export.add_argument("--json", action="store_true", help="print a JSON list on standard output")
    export.set_defaults(handler=run_export)

    embed = actions.add_parser(
        "embed",
        help="store the catalog's embedding vectors beside it",
        description="Embed every resource with the semantic model and write DIR/embeddings/MODEL.npz "
        "(only this catalog's vectors), which vizbot reads before computing any. Run it after "
        "editing the catalog you ship; an entry whose text changed is embedded again at start-up anyway.",
    )
    embed.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="catalog directory (same as --catalog)")
    add_catalog_option(embed)
    cpus = processors()
    embed.add_argument(
        "--threads",
        type=whole_number(1, cpus),
        default=min(2, cpus),
        metavar="N",
        help=f"model threads, from 1 to the number of processors ({cpus} here; default {min(2, cpus)}): "
        "more threads than processors only slow it down",
    )
    embed.add_argument("--json", action="store_true", help="print the result as one JSON document")
    embed.set_defaults(handler=run_embed)
