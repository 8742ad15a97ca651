"""Which catalog a command reads, and a warning when the checkout it runs in holds another one.

After ``pip install .`` the commands read the copy installed with the package; someone editing
``catalog/`` in a checkout would otherwise check or search the old copy without knowing.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from bot.config import Settings
from bot.core.catalog import GAPS_FILE, RESOURCES_DIR, TAGS_FILE, resolve_catalog_dir

PROJECT_FILE = "pyproject.toml"


def catalog_in_use(settings: Settings) -> Path:
    """The catalog directory the settings name (``--catalog``, ``VIZBOT_CATALOG``, else the shipped one)."""
    return resolve_catalog_dir(settings.catalog_dir)


def enclosing_checkout(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that is a vizbot checkout (``pyproject.toml``
    naming vizbot, beside ``catalog/tags.yaml``), or ``None``."""
    for folder in (start, *start.parents):
        project = folder / PROJECT_FILE
        if not (folder / "catalog" / TAGS_FILE).is_file() or not project.is_file():
            continue
        try:
            text = project.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if 'name = "vizbot"' in text:
            return folder
    return None


def _fingerprint(directory: Path) -> str:
    """A digest of ``tags.yaml``, ``gaps.yaml`` and ``resources/*.yaml`` (names and bytes); unreadable or
    missing files count as such."""
    digest = hashlib.sha256()
    files = [directory / TAGS_FILE, directory / GAPS_FILE, *sorted((directory / RESOURCES_DIR).glob("*.yaml"))]
    for path in files:
        digest.update(path.name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            if path.is_file():
                digest.update(path.read_bytes())
            else:
                digest.update(b"<not a regular file>")
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def checkout_warning(settings: Settings, cwd: Path | None = None) -> str | None:
    """A warning when the command reads the installed catalog from inside a checkout whose
    ``catalog/`` differs from it; ``None`` when a catalog was named or both are the same."""
    if settings.catalog_dir is not None:  # --catalog or VIZBOT_CATALOG: the user chose
        return None
    checkout = enclosing_checkout(Path.cwd() if cwd is None else cwd)
    if checkout is None:
        return None
    local = checkout / "catalog"
    try:
        used = catalog_in_use(settings)
        if local.resolve() == used.resolve() or _fingerprint(local) == _fingerprint(used):
            return None
    except OSError:
        return None
    shown = os.path.relpath(local, Path.cwd() if cwd is None else cwd)
    return (
        f"vizbot: warning: reading the catalog installed with vizbot ({used}), not this checkout's {shown}/, "
        "which differs; "
        f"to use the checkout's, add --catalog {shown} (or set VIZBOT_CATALOG={shown}), "
        "or install the checkout with pip install -e ."
    )
