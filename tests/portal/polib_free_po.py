"""A small reader for .po files (enough to check that a catalogue is complete)."""

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Entry:
    msgid: str
    msgstrs: list[str]
    fuzzy: bool
    obsolete: bool
    msgctxt: str | None = None

    @property
    def translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs)


def entries(path: Path):
    current: dict | None = None
    field = None

    def finish():
        if current is not None and current["msgid"] != "":
            yield Entry(
                current["msgid"], current["msgstr"], current["fuzzy"], current["obsolete"], current.get("msgctxt")
            )

    flags_fuzzy = False
    context = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if line.startswith("#,") and "fuzzy" in line:
            flags_fuzzy = True
            continue
        if not line:
            yield from finish()
            current, field, flags_fuzzy, context = None, None, False, None
            continue
        if line.startswith("#") and not obsolete:
            continue
        if line.startswith("msgctxt "):
            context = ast.literal_eval(line[8:])
            field = "msgctxt"
        elif line.startswith("msgid "):
            yield from finish()
            current = {
                "msgid": ast.literal_eval(line[6:]),
                "msgstr": [],
                "fuzzy": flags_fuzzy,
                "obsolete": obsolete,
                "msgctxt": context,
            }
            field = "msgid"
        elif line.startswith("msgid_plural"):
            field = "plural"
        elif line.startswith("msgstr"):
            value = ast.literal_eval(line.split(" ", 1)[1])
            current["msgstr"].append(value)
            field = "msgstr"
        elif line.startswith('"') and current is not None:
            value = ast.literal_eval(line)
            if field == "msgctxt":
                context += value
            elif field == "msgid":
                current["msgid"] += value
            elif field == "msgstr":
                current["msgstr"][-1] += value
