"""vizbot db check / db backup: is the database sound, and a consistent copy of it while the bot runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import add_db_options, run, settings_from_args
from bot.cli.output import emit_json, info
from bot.core.errors import StoreError
from bot.store import Store, health
from bot.store.conn import database_target, is_url, redact
from bot.store.copy import CopyReport
from bot.store.migrations import LATEST


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``db check`` and ``db backup``."""
    d = sub.add_parser(
        "db",
        help="check or back up the database",
        description="Check the database for damage, or copy it safely (also while the bot runs).",
    )
    dsub = d.add_subparsers(dest="db_command", metavar="ACTION")
    dsub.required = True

    p = dsub.add_parser(
        "check",
        help="check the database for damage (reads only); exit 1 when it is damaged",
        description="Check the database file without writing to it: its header, that it is vizbot's, "
        "and SQLite's quick_check of every page. Exits 1 when anything is wrong.",
    )
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_db_options(p)
    p.set_defaults(handler=cmd_check)

    p = dsub.add_parser(
        "backup",
        help="copy the database to a new file (safe while the bot runs)",
        description="Copy the database to PATH with SQLite's online backup API: a consistent copy even "
        "while the bot writes, checked before it is put in place. PATH must not exist yet.",
    )
    p.add_argument("path", type=Path, metavar="PATH", help="the new file to write (never overwritten)")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    add_db_options(p)
    p.set_defaults(handler=cmd_backup)

    p = dsub.add_parser(
        "copy",
        help="copy every row of one database into another (e.g. SQLite to PostgreSQL); safe to repeat",
        description="Copy every row of SOURCE into TARGET, each a database file or a postgresql:// URL. "
        "TARGET is created and brought to the current schema if needed. The copy is one transaction: rows already "
        "in TARGET from an earlier copy are kept, so copying again adds nothing; when TARGET holds other rows (a "
        "conflict, or more rows than SOURCE) nothing is written and the exit status is 1. Stop the bot first: "
        "changes made during the copy may be missed.",
    )
    p.add_argument(
        "source",
        type=_given,
        metavar="SOURCE",
        help="the database to read (a file or postgresql:// URL; never written)",
    )
    p.add_argument("target", type=_given, metavar="TARGET", help="the database to write (a file or postgresql:// URL)")
    p.add_argument("--json", action="store_true", help="print the per-table counts as JSON")
    p.set_defaults(handler=cmd_copy)


def _given(text: str) -> str:
    """A ``db copy`` database argument as given; an empty one (which would be the working directory) is a
    usage error (exit 2, one line naming SOURCE or TARGET), as ``--db ""`` is."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a database file or a postgresql:// URL (the value is empty)")
    return text


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


def check_text(found: health.Health) -> str:
    """The text report of ``vizbot db check``."""
    if found.ok:
        return f"{found.path}: ok (schema version {found.schema_version} of {found.latest}, {_size(found.size)})"
    lines = [f"{found.path}: {'DAMAGED' if found.damaged else 'NOT USABLE'}"]
    lines += [f"  - {problem}" for problem in found.problems]
    if found.damaged:
        lines.append(f"What to do: {health.what_to_do(found.path)}.")
    elif found.newer:
        lines.append("What to do: upgrade vizbot to use it (the file is left as it is).")
    return "\n".join(lines)


def pg_check_text(found: dict[str, object]) -> str:
    """The text report of ``vizbot db check`` on a PostgreSQL database."""
    if found["ok"]:
        counts = found["counts"]
        assert isinstance(counts, dict)
        rows = ", ".join(f"{table} {n}" for table, n in counts.items())
        return f"{found['path']}: ok (schema version {found['schema_version']} of {found['latest_schema_version']}; rows: {rows})"
    lines = [f"{found['path']}: NOT USABLE"]
    problems = found["problems"]
    assert isinstance(problems, list)
    lines += [f"  - {problem}" for problem in problems]
    version = found["schema_version"]
    if isinstance(version, int) and version > LATEST:
        lines.append("What to do: upgrade vizbot to use it (the database is left as it is).")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if is_url(settings.db_path):
        from bot.store import pg_health

        report = run(pg_health.inspect(str(settings.db_path)))
        if args.json:
            emit_json(report)
        else:
            print(pg_check_text(report))
        return 0 if report["ok"] else 1
    assert isinstance(settings.db_path, Path)
    found = health.inspect(settings.db_path, LATEST)
    if args.json:
        emit_json(found.to_json())
    else:
        print(check_text(found))
    return 0 if found.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    source = settings.db_path
    if is_url(source):
        raise StoreError(
            f"{redact(str(source))} is a PostgreSQL database: back it up with the server's own tools, "
            "e.g. pg_dump --format=custom --file=vizbot.dump DATABASE_URL (vizbot db backup copies SQLite files)"
        )
    assert isinstance(source, Path)
    target = args.path.expanduser()
    found = health.inspect(source, LATEST)
    if found.damaged:
        raise health.damaged_error(source, found.problems)
    if not found.ok and not found.newer:  # a newer schema is sound: its copy is a good backup
        raise StoreError(f"cannot back up {source}: {found.problems[0]}")
    if target.resolve() == source.resolve():
        raise StoreError(f"{target} is the database itself; give a new file name")
    size = health.backup(source, target)
    if args.json:
        emit_json({"source": str(source), "path": str(target), "size": size, "schema_version": found.schema_version})
    else:
        info(f"backed up {source} to {target} ({_size(size)}, schema version {found.schema_version})")
    return 0


def _database(text: str) -> str | Path:
    """A postgresql:// URL as given, anything else as a file path."""
    return database_target(text)


def _shown(database: str | Path) -> str:
    """A database as it may be printed: a URL without its password."""
    return str(database) if isinstance(database, Path) else redact(database)


def copy_text(source: str, target: str, report: CopyReport) -> str:
    """The text report of a verified ``vizbot db copy``: one line per table, then the verdict."""
    tables = report.tables
    lines = [f"{'table':<20} {'source':>8} {'added':>8} {'target':>8} {'conflicts':>9}"]
    lines += [f"{t.table:<20} {t.source:>8} {t.added:>8} {t.target:>8} {t.conflicts:>9}" for t in tables]
    rows, added = sum(t.source for t in tables), sum(t.added for t in tables)
    lines.append(f"copied {source} to {target}: {added} rows added, {rows} rows verified by counts")
    return "\n".join(lines)


def refusal(source: str, target: str, report: CopyReport) -> str:
    """The one-line error of a copy that did not verify (nothing written): which tables, and why."""
    bad = "; ".join(
        f"{t.table} ({t.conflicts} conflicting row{'' if t.conflicts == 1 else 's'})"
        if t.conflicts
        else f"{t.table} ({t.target} rows in the target, {t.source} in the source)"
        for t in report.tables
        if not t.verified
    )
    return (
        f"nothing was copied to {target}: it already holds other rows than {source} in {bad}; "
        "copy into a new, empty database"
    )


def cmd_copy(args: argparse.Namespace) -> int:
    source, target = _database(args.source), _database(args.target)
    if isinstance(source, Path) and not source.is_file():
        raise StoreError(f"no database at {source}")
    if isinstance(source, Path) and isinstance(target, Path) and source.resolve() == target.resolve():
        raise StoreError(f"{target} is the source itself; give another database")
    if isinstance(source, str) and isinstance(target, str) and redact(source) == redact(target):
        raise StoreError(f"{redact(target)} is the source itself; give another database")
    shown_source, shown_target = _shown(source), _shown(target)

    def progress(table: str, done: int) -> None:
        if sys.stderr.isatty():
            info(f"  {table}: {done} rows")

    async def go() -> CopyReport:
        async with await Store.open(source, read_only=True, retention_days=None) as src:
            async with await Store.open(target, retention_days=None) as dst:
                return await src.copy_to(dst, progress=progress)

    report = run(go())
    if not report.verified:  # rolled back: an error like any other (stderr, exit 1, the --json error document)
        raise StoreError(refusal(shown_source, shown_target, report))
    if args.json:
        emit_json(
            {
                "source": shown_source,
                "target": shown_target,
                "verified": report.verified,
                "written": report.written,
                "added": sum(t.added for t in report.tables) if report.written else 0,
                "tables": [t.to_json() for t in report.tables],
            }
        )
    else:
        print(copy_text(shown_source, shown_target, report))
    return 0
