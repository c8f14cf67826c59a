"""What each folder may import (docs/ARCHITECTURE.md): a new import across the layers fails here.

The hotline's own logic (``bot/``) knows nothing of Rasa; actions, channels and NLU components are thin
adapters over it and never import one another; inside ``bot/`` the packages form layers, lowest first.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ("actions", "channels", "nlu")
# package -> the packages of ours it may import (besides itself). Read top to bottom: each layer uses
# only those above it.
ALLOWED = {
    "bot/core": set(),
    "bot/staff": {"bot/core"},
    "bot/conversation": {"bot/core"},
    "bot/messaging": {"bot/core", "bot/conversation"},
    "bot/handoff": {"bot/core", "bot/conversation", "bot/staff"},
    "bot/faq": {"bot/core", "bot/conversation", "bot/staff"},
    "bot/review": {"bot/core", "bot/handoff"},
    "bot/tickets": {"bot/core", "bot/conversation", "bot/faq", "bot/handoff", "bot/messaging", "bot/staff"},
    "bot/supervision": {"bot/core", "bot/conversation", "bot/faq", "bot/handoff", "bot/staff", "bot/tickets"},
    "bot/retention": {"bot/core", "bot/conversation", "bot/handoff", "bot/messaging", "bot/review", "bot/staff", "bot/tickets"},
    "bot/runtime": {"bot/core", "bot/faq"},
}
EVERY_BOT_PACKAGE = {*ALLOWED, "bot/console"}
ALLOWED["bot/console"] = EVERY_BOT_PACKAGE - {"bot/console"}
ALLOWED["bot"] = EVERY_BOT_PACKAGE  # the command line (bot/__main__.py)
ALLOWED["actions"] = EVERY_BOT_PACKAGE - {"bot/console"}
ALLOWED["channels"] = {"bot/core", "bot/handoff", "bot/messaging", "bot/runtime"}
ALLOWED["nlu"] = {"bot/core", "bot/handoff", "bot/tickets"}
# Frameworks by where they may appear: Rasa only in the adapters that run inside Rasa.
FRAMEWORKS = {"rasa": {"channels", "nlu"}, "rasa_sdk": {"actions"}}


def _package(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "bot" and len(parts) > 1 and (ROOT / "bot" / parts[1]).is_dir():
        return f"bot/{parts[1]}"
    return parts[0]


def _imports() -> dict[str, set[tuple[str, str]]]:
    """package -> {(imported package or framework, the file that imports it)}"""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for folder in ("bot", *ADAPTERS):
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT)
            source = _package(".".join(relative.with_suffix("").parts))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in ("bot", *ADAPTERS):
                        target = _package(name)
                        if target != source:
                            found[source].add((target, str(relative)))
                    elif top in FRAMEWORKS:
                        found[source].add((top, str(relative)))
    return found


def test_every_import_across_folders_follows_the_layers():
    crossing = [
        f"{where} ({source}) imports {target}"
        for source, targets in _imports().items()
        for target, where in targets
        if target not in FRAMEWORKS and target not in ALLOWED[source]
    ]
    assert crossing == []


def test_rasa_is_imported_only_by_the_adapters_that_run_inside_it():
    misplaced = [
        f"{where} imports {target}"
        for source, targets in _imports().items()
        for target, where in targets
        if target in FRAMEWORKS and source not in FRAMEWORKS[target]
    ]
    assert misplaced == []


def test_the_layers_have_no_cycle():
    graph = {package: ALLOWED[package] & EVERY_BOT_PACKAGE for package in EVERY_BOT_PACKAGE}
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, " -> ".join((*path, package))
        if package not in done:
            for used in graph[package]:
                visit(used, (*path, package))
            done.add(package)

    for package in graph:
        visit(package, ())
