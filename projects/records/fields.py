"""The parts of a response a company may ask to keep secret, and how a release copy redacts them.

A part has a key ("summary", "attachment:<uuid>", ...), a label and its current text. `SOURCES` lists the
functions that name a response's parts; another part of the response (structured answers, "answer:<number>")
is added by appending a function to it, nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext_lazy as _

from portal.files import attachments_for

from .models import ATTACHMENT_PREFIX


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    text: str
    # A file is kept secret whole: a passage of it cannot be marked here.
    allows_passage: bool = True


def text_parts(response) -> list[Part]:
    price = response.price_indication
    return [
        Part("summary", _("Solution summary"), response.summary),
        Part("description", _("Description"), response.description),
        Part("references", _("References"), response.references),
        Part("price_indication", _("Price indication"), f"{intcomma(price)} kr" if price is not None else ""),
    ]


def attachment_parts(response) -> list[Part]:
    return [
        Part(
            f"{ATTACHMENT_PREFIX}{attachment.uuid}",
            _("File: %(name)s") % {"name": attachment.filename},
            attachment.filename,
            allows_passage=False,
        )
        for attachment in attachments_for(response).order_by("created_at", "id")
    ]


def answer_parts(response) -> list[Part]:
    """The answers to the call's numbered questions to the market (projects.structured)."""
    return [
        Part(
            f"answer:{answer.question.number}",
            _("Answer to question %(number)s") % {"number": answer.question.number},
            answer.text,
        )
        for answer in response.answers.select_related("question").order_by("question__number")
    ]


SOURCES: list[Callable] = [text_parts, answer_parts, attachment_parts]


def parts_of(response) -> list[Part]:
    """Every part of the response that holds something, in the order the response shows them."""
    return [part for source in SOURCES for part in source(response) if part.text]


@dataclass(frozen=True)
class Segment:
    """A piece of a part's text: shown as is, or (when `provision` is set) replaced by a secrecy block."""

    text: str
    provision: str = ""
    marked: bool = False


def segments(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    """Cut `text` at the (start, end, provision) spans, merging overlaps; provisions of merged spans are joined."""
    merged: list[list] = []
    for start, end, provision in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if provision not in merged[-1][2]:
                merged[-1][2].append(provision)
        else:
            merged.append([start, end, [provision]])
    pieces, at = [], 0
    for start, end, provisions in merged:
        if start > at:
            pieces.append(Segment(text[at:start]))
        pieces.append(Segment(text[start:end], provision=", ".join(p for p in provisions if p), marked=True))
        at = end
    if at < len(text):
        pieces.append(Segment(text[at:]))
    return pieces


def spans_of(text: str, passage: str, provision: str = "") -> list[tuple[int, int, str]]:
    """Every occurrence of `passage` in `text`."""
    spans, at = [], text.find(passage) if passage else -1
    while at >= 0:
        spans.append((at, at + len(passage), provision))
        at = text.find(passage, at + len(passage))
    return spans
