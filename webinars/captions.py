"""WebVTT caption files for webinar recordings (WCAG 1.2.2 Captions (Prerecorded)).

A portal admin attaches a caption file to a recording; it is checked here before it is stored (as text, on the
webinar) and served at `webinars:captions` for the player's <track kind="captions">. The check is the one a
browser needs to show the captions: UTF-8, the "WEBVTT" signature on the first line, and at least one cue whose
timing line reads `start --> end` with end after start (https://www.w3.org/TR/webvtt1/).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

MAX_CAPTION_BYTES = 2 * 1024 * 1024
_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t].*)?$")
SIGNATURE = re.compile(r"^WEBVTT(?:[ \t].*)?$")


class CaptionError(ValueError):
    """The file is not a usable WebVTT caption file; the message says why, for the admin."""


def _seconds(hours, minutes, seconds, millis) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse_webvtt(data: bytes | str) -> str:
    """The caption text, with line endings normalised, or CaptionError."""
    if isinstance(data, bytes):
        if len(data) > MAX_CAPTION_BYTES:
            raise CaptionError(_("The caption file is larger than 2 MB."))
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CaptionError(_("The caption file must be UTF-8 text.")) from None
    text = data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise CaptionError(_("The caption file must be UTF-8 text."))
    lines = text.split("\n")
    if not SIGNATURE.match(lines[0]):
        raise CaptionError(_("This is not a WebVTT file: the first line must be “WEBVTT”."))
    cues = 0
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        match = TIMING.match(line.strip())
        if not match:
            raise CaptionError(
                _("Line %(line)s has no valid cue timing (00:00:01.000 --> 00:00:04.000).") % {"line": number}
            )
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            raise CaptionError(_("Line %(line)s: a cue must end after it starts.") % {"line": number})
        cues += 1
    if not cues:
        raise CaptionError(_("The caption file has no captions (no cue timing line)."))
    return text
