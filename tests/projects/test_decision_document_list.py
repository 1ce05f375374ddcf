"""The list of ready decision-support documents on the need's page: version, date, orderer, language and size."""

import pytest
from django.template import Context, Template
from django.template.defaultfilters import filesizeformat
from django.test import RequestFactory
from django.urls import reverse
from django.utils import formats, timezone, translation

from portal.documents import render_document
from projects.decision_support.models import DECISION_SUPPORT_KIND
from projects.decision_support.services import order_decision_document
from tests.documents_data import build_need_with_dialogue
from tests.factories import make_buyer, organisation_of

pytestmark = pytest.mark.django_db


def test_ready_documents_are_listed_with_version_date_orderer_language_and_size():
    buyer = make_buyer(first_name="Olle", last_name="Ordrare")
    need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=1, responses=2)
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    document.refresh_from_db()
    request = RequestFactory().get(f"/needs/{need.pk}/")
    request.user = buyer

    with translation.override("sv"):
        html = Template("{% include 'documents/need_panel.html' %}").render(Context({"need": need, "request": request}))
        rendered_at = formats.date_format(timezone.localtime(document.rendered_at), "SHORT_DATETIME_FORMAT")
        size = str(filesizeformat(document.size))

    row = html[html.index("<tbody>") : html.index("</tbody>")]
    cells = [cell.strip() for cell in row.split("<td>")[1:]]
    assert cells[0].startswith(f"{document.version}</td>")
    assert document.size > 1000 and size in cells[4]
    assert rendered_at in cells[1]
    assert "Olle Ordrare" in cells[2]
    assert "Engelska" in cells[3]
    assert reverse("documents:download", args=[document.pk]) in cells[5]
