"""The Nu HTML Checker (vnu.jar from the `vnu-jar` npm package, `npm ci`), run with Java 17 over raw HTML.

axe-core checks the DOM the browser built, after the parser has repaired the markup; a `<ul>` inside
`<p><span>` is silently split and an `aria-describedby` can end up pointing at an empty element (WCAG 4.1.1,
1.3.1). The checker reads the bytes the server sent, so such errors show. `make test` sets
REQUIRE_HTML_VALIDATOR=1: without the jar (or Java) the run then fails instead of skipping the check.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def validator_missing() -> str:
    """Why the checker cannot run here ("" when it can)."""
    if not VNU_JAR.is_file():
        return f"{VNU_JAR.relative_to(ROOT)} is missing: run `npm ci --ignore-scripts`"
    if not shutil.which("java"):
        return "java (17 or newer) is not installed"
    return ""


def validator_required() -> bool:
    return os.environ.get("REQUIRE_HTML_VALIDATOR", "") not in ("", "0")


def validate_files(paths: list[Path]) -> list[dict]:
    """Error messages of the checker for the given files, in one Java process; each has `url` (the file),
    `lastLine` and `message`."""
    if not paths:
        return []
    command = ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--exit-zero-always", "--stdout"]
    result = subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"The HTML checker did not run: {result.stderr.strip() or result.returncode}")
    return [m for m in json.loads(result.stdout)["messages"] if m.get("type") == "error"]


def describe(errors: list[dict], names: dict[str, str]) -> str:
    """One line per error: the page (`names` maps a file's name to the URL it came from), line and message."""
    lines = []
    for error in errors:
        name = Path(error.get("url", "").removeprefix("file:")).name
        lines.append(f"- {names.get(name, name)} line {error.get('lastLine', '?')}: {error.get('message')}")
    return "\n".join(lines)


def validate_documents(documents: dict[str, str]) -> str:
    """Validate HTML strings (label → HTML); return a description of every error ("" when all are valid)."""
    with tempfile.TemporaryDirectory(prefix="vnu-") as directory:
        names, paths = {}, []
        for number, (label, html) in enumerate(documents.items()):
            path = Path(directory) / f"page-{number:04d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = label
            paths.append(path)
        return describe(validate_files(paths), names)
