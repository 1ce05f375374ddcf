"""Finding a field by its label, which may end with a required marker (portal/form_rendering.py)."""

import re

MARKER = r"(\s*\((obligatoriskt|krävs för att skicka in|required|required to submit)\))?"


def label(text: str) -> re.Pattern:
    """The label `text` exactly, with an optional trailing colon or required marker ("Titel (obligatoriskt)")."""
    return re.compile(rf"^\s*{re.escape(text)}:?{MARKER}\s*\*?\s*$")
