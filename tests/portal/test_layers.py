"""The core is the base layer: nothing in portal/ imports a domain app, neither at the top of a module nor inside a
function, nor by a dotted path in a string (include("projects.urls"), import_string(…)). The apps register what
the core needs in their AppConfig.ready() (portal/registry.py). Only the settings name the apps (INSTALLED_APPS)."""

import ast
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent.parent
PORTAL = ROOT / "portal"
# The settings list the installed apps by name; that is how Django finds them, not an import.
NAMES_APPS = {PORTAL / "settings.py"}


def upper_apps() -> set[str]:
    """Every app of this repository except the core: the domain apps and anything built on them."""
    return {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts and config.name != "portal"
    }


def module_package(path: Path) -> list[str]:
    """The package a module's relative imports start from (for an __init__.py: its own package)."""
    return list(path.relative_to(ROOT).parent.parts)


def reaches_up(path: Path, source: str, forbidden: set[str]) -> list[str]:
    """Each import (anywhere in the module) or dotted-path string naming one of `forbidden`, as 'line: name'.

    Strings in migrations are left out: there an app label is data (a content type's), not a path to code.
    """
    tree = ast.parse(source, filename=str(path))
    dotted = re.compile(rf"^({'|'.join(sorted(forbidden))})(\.\w+)*(:\w+)?$")
    strings_count = path not in NAMES_APPS and "migrations" not in path.parts
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module_package(path)
                base = package[: len(package) - (node.level - 1)]
                source_module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source_module = node.module
            prefix = f"{source_module}." if source_module else ""
            targets = [source_module, *(prefix + alias.name for alias in node.names)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and strings_count:
            targets = [node.value] if dotted.match(node.value) else []
        hits = [target for target in targets if target and target.split(".")[0] in forbidden]
        if hits:
            found.append(f"{node.lineno}: {hits[0]}")
    return found


def test_the_check_sees_imports_at_the_top_inside_functions_relative_and_in_strings():
    source = (
        "import projects.models\n"
        "from webinars import services\n"
        "def later():\n"
        "    from checks.models import Application\n"
        "    return include('projects.urls')\n"
        "from .. import webinars\n"  # portal/x.py: `..` is the repository root
        "from portal import cache\n"
        "TEXT = 'projects are described in docs/projects.md'\n"
    )

    found = reaches_up(PORTAL / "x.py", source, {"projects", "checks", "webinars"})

    assert sorted(found) == ["1: projects.models", "2: webinars", "4: checks.models", "5: projects.urls", "6: webinars"]


def test_the_domain_apps_are_found_from_the_installed_apps():
    assert {"projects", "checks", "webinars"} <= upper_apps()


def test_portal_imports_no_domain_app():
    forbidden = upper_apps()
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(PORTAL.rglob("*.py"))
        for line in reaches_up(path, path.read_text(), forbidden)
    ]

    assert offenders == []
