"""Module-level imports: no cycle inside an app, so every module can be imported on its own and in any order.

The imports are read with `ast`, not executed. Only statements that run when the module is imported
count: imports inside functions and methods (deliberately late imports) and under `if TYPE_CHECKING:`
are left out. An import of `a.b.c` also imports the packages `a` and `a.b`, except a module's own
packages, which Python imports before the module itself.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "projects", "checks", "webinars")
DOMAIN_APPS = ("projects", "checks", "webinars")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules(app: str) -> dict[str, Path]:
    """Every module of the app (migrations included), by dotted name."""
    return {module_name(path): path for path in sorted((ROOT / app).rglob("*.py"))}


ALL_MODULES = {name: path for app in APPS for name, path in app_modules(app).items()}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(tree: ast.Module):
    """Import statements that run at import time: the module body and its if/try/with blocks, not functions."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not is_type_checking(node.test):
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            pending.extend(node.body + getattr(node, "orelse", []))
        elif isinstance(node, ast.ClassDef):
            pending.extend(node.body)  # a class body runs at import time


def with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:index]) for index in range(1, len(parts) + 1)}


def imported_modules(name: str, path: Path) -> set[str]:
    """The project modules that importing `name` imports directly."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in module_level_imports(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            # `from package import name` imports the submodule `package.name` when there is one.
            targets = [source] + [f"{source}.{alias.name}" for alias in node.names]
        for target in targets:
            if target in ALL_MODULES:
                found |= with_parents(target)
    # A module's own packages were imported before it (Python imports parents first): never an edge.
    return {target for target in found if target in ALL_MODULES} - with_parents(name)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in `graph` as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def app_graph(app: str) -> dict[str, set[str]]:
    prefix = f"{app}."
    return {
        name: {target for target in imported_modules(name, path) if target == app or target.startswith(prefix)}
        for name, path in app_modules(app).items()
    }


# --- the checker itself --------------------------------------------------------------------------------------------


def test_find_cycle_reports_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_inside_functions_and_type_checking_blocks_do_not_count():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import rules\n"
        "if TYPE_CHECKING:\n"
        "    from .models import Need\n"
        "try:\n"
        "    from .selectors import documents_of\n"
        "except ImportError:\n"
        "    pass\n"
        "def later():\n"
        "    from .services import order\n"
    )
    imported = [
        (node.level, node.module, [alias.name for alias in node.names])
        for node in module_level_imports(ast.parse(source))
    ]

    assert imported == [(0, "typing", ["TYPE_CHECKING"]), (1, None, ["rules"]), (1, "selectors", ["documents_of"])]


def test_relative_imports_resolve_to_modules_and_their_packages_but_not_the_modules_own_packages():
    name = "projects.templatetags.decision_documents"  # from ..decision_support.selectors import documents_panel

    imported = imported_modules(name, ALL_MODULES[name])

    assert {"projects.decision_support.selectors", "projects.decision_support"} <= imported
    assert not imported & {"projects", "projects.templatetags"}


# --- the project -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle_inside_an_app(app):
    cycle = find_cycle(app_graph(app))

    assert cycle is None, "module-level import cycle: " + " → ".join(cycle)


def test_document_kinds_models_are_imported_from_the_apps_models_at_the_top():
    """Django finds models in <app>/models.py; a document kind's models come in with a plain top-level import."""
    for app, kind in (("projects", "decision_support"), ("checks", "decision_letters")):
        imported = imported_modules(f"{app}.models", ALL_MODULES[f"{app}.models"])
        assert f"{app}.{kind}.models" in imported, f"{app}/models.py does not import {app}/{kind}/models.py"
        assert f"{app}.models" not in imported_modules(f"{app}.{kind}.models", ALL_MODULES[f"{app}.{kind}.models"]), (
            f"{app}/{kind}/models.py imports {app}/models.py"
        )


def test_portal_imports_no_domain_app_at_module_level():
    offenders = sorted(
        f"{name} → {target}"
        for name, path in app_modules("portal").items()
        for target in imported_modules(name, path)
        if target.split(".")[0] in DOMAIN_APPS
    )

    assert offenders == []
