"""The lists of amendments and followed calls make a fixed number of queries, however long they are."""

from datetime import timedelta

import pytest
from django.urls import reverse

from portal.files import attach_bytes
from projects.amendments.services import amend_call
from projects.following.services import follow_call
from projects.models import Response
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.test_query_counts import _assert_flat

from .factories import CallFactory, NeedFactory, ResponseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
PDF = b"%PDF-1.4\n" + b"x" * 100


def _file(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return (SimpleUploadedFile(name, PDF), name, "application/pdf")


@pytest.mark.parametrize("role", ["visitor", "buyer", "company"])
def test_call_page_with_amendments_and_replaced_files(client, role):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    amend_call(call=call, by=buyer, text="Första.", attachments=[_file("a.pdf")])
    if role == "buyer":
        client.force_login(buyer)
    if role == "company":
        company = make_company_user()
        ResponseFactory(call=call, organisation=organisation_of(company), status=Response.Status.DRAFT)
        follow_call(call=call, user=company)
        client.force_login(company)

    def add():
        from projects.amendments.services import current_attachments

        for number in range(8):
            replaced = current_attachments(call).first()
            amend_call(
                call=call,
                by=buyer,
                text=f"Ändring {number}.",
                closes_at=call.closes_at + timedelta(days=number + 1),
                attachments=[_file(f"ny{number}.pdf")],
                replacements={replaced.pk: _file(f"ersatt{number}.pdf")},
            )

    _assert_flat(client, reverse("projects:call_detail", args=[call.pk]), add)


def test_company_dashboard_with_followed_calls(client):
    company = make_company_user()
    follow_call(call=CallFactory(), user=company)
    client.force_login(company)

    def add():
        for _ in range(8):
            follow_call(call=CallFactory(), user=company)

    _assert_flat(client, reverse("portal:dashboard"), add)
