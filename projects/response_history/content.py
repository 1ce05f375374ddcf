"""The canonical form of what a company sends, and its checksum.

One place decides what "the content of a response" is: `response_content`. The receipt, the kept versions and
their comparison all read it, so a new part of a response (structured answers, say) is added here once: a new
key in the dict `response_content` returns (and, for the comparison, a label in `PART_LABELS` or a field in
`RESPONSE_FIELDS`). The checksum is SHA-256 over `canonical_bytes`: JSON with sorted keys, no spaces, UTF-8.
"""

import hashlib
import json

from django.utils.translation import gettext_lazy as _

from portal.files import attachments_for

# The response's own fields, in the order the comparison shows them.
RESPONSE_FIELDS = ("summary", "trl", "description", "references", "price_indication")
# Version of the canonical form: bump it when its meaning changes, so old checksums stay explainable.
FORMAT = 2  # 2: the answers to the call's numbered questions (projects.structured)
PART_LABELS = {"attachments": _("Attachments")}


def file_sha256(attachment) -> str:
    """SHA-256 of an attachment's stored bytes."""
    digest = hashlib.sha256()
    with attachment.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def response_content(response) -> dict:
    """Everything the company sends with a response, as plain JSON values."""
    attachments = [
        {"name": attachment.filename, "sha256": file_sha256(attachment)} for attachment in attachments_for(response)
    ]
    return {
        "format": FORMAT,
        "call": response.call_id,
        "company": response.organisation.org_number,
        "fields": {name: getattr(response, name) for name in RESPONSE_FIELDS},
        "answers": [
            {"number": answer.question.number, "question": answer.question.text, "text": answer.text}
            for answer in response.answers.select_related("question").order_by("question__number")
        ],
        "attachments": sorted(attachments, key=lambda item: (item["name"], item["sha256"])),
    }


def canonical_bytes(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def checksum_of(content: dict) -> str:
    """The SHA-256 (hex) of the canonical form of `content`: recompute it to check a receipt."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()
