"""Role-access rows for public records and secrecy (namespace `records`) and the release copies' files.

The company's own response: only its members manage secrecy requests (anyone else 404). The buyer organisation's
members release the response and download the release copies (anyone else 404, also by the file's URL).
"""

import datetime

from portal.files import attach_bytes
from projects.records.models import RecordRelease, SecrecyMarking
from projects.records.selectors import RELEASE_COPY_PURPOSE
from tests.access import AccessCase

from .factories import CallFactory, NeedFactory, ResponseFactory

PDF = b"%PDF-1.4\n" + b"0" * 64


def cases(world):
    call = CallFactory(need=NeedFactory(organisation=world["buyer_org"], author=world["buyer"]))
    response = ResponseFactory(call=call, organisation=world["company_org"], summary="Vår lösning med hemlig kärna.")
    marking = SecrecyMarking.objects.create(
        response=response, field="summary", passage="hemlig kärna", reason="Affärshemlighet.", created_by=None
    )
    release = RecordRelease.objects.create(
        response=response, anonymous=True, requested_on=datetime.date(2026, 11, 30), released_by=world["buyer"]
    )
    release_file = attach_bytes(owner=release, content=PDF, filename="utlamnande.pdf", purpose=RELEASE_COPY_PURPOSE)
    # Another company's response to the same call: the world's company may not mark it.
    other = ResponseFactory(call=call)
    company_post = {"anonymous": 302, "company": 302}
    return [
        AccessCase("records:markings", {"anonymous": 302, "company": 200}, kwargs={"pk": response.pk}, default=404),
        AccessCase("records:markings", {"anonymous": 302}, kwargs={"pk": other.pk}, default=404),
        AccessCase(
            "records:marking_add",
            company_post,
            kwargs={"pk": response.pk},
            default=404,
            method="post",
            data={"field": "summary", "passage": "", "reason": "Priser och kunder."},
        ),
        AccessCase(
            "records:marking_add",
            {"anonymous": 302},
            kwargs={"pk": other.pk},
            default=404,
            method="post",
            data={"field": "summary", "passage": "", "reason": "Priser och kunder."},
        ),
        AccessCase(
            "records:marking_remove",
            company_post,
            kwargs={"pk": response.pk, "marking_pk": marking.pk},
            default=404,
            method="post",
        ),
        AccessCase("records:release", {"anonymous": 302, "buyer": 200}, kwargs={"pk": response.pk}, default=404),
        AccessCase(
            "records:release",
            {"anonymous": 302, "buyer": 302},
            kwargs={"pk": response.pk},
            default=404,
            method="post",
            data={
                "requested_on": "2026-11-30",
                "anonymous": "on",
                f"decision_{marking.pk}": "redact",
                f"provision_{marking.pk}": "OSL 31:16",
            },
        ),
        AccessCase("portal:attachment_download", {"buyer": 200}, kwargs={"uuid": release_file.uuid}, default=404),
    ]
