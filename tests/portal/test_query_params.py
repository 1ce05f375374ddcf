"""Query parameters of list pages are cleaned in one place (portal/query.py)."""

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse

from portal.models import AuditEntry
from portal.query import QueryFilterForm, clean_param, clean_query
from tests.factories import make_portal_admin


def test_clean_param_drops_control_characters_trims_and_caps():
    assert clean_param(" bo\x00x\x1f\x7f\t ") == "box"
    assert clean_param(None) == ""
    assert clean_param("x" * 5000) == "x" * 200
    assert clean_param("abcdef", max_length=3) == "abc"


def test_clean_query_cleans_every_name_and_value():
    query = clean_query(QueryDict("q=a%00b&q=c&%00=x&page=" + "9" * 500))
    assert query.getlist("q") == ["ab", "c"]
    assert "\x00" not in query and "" not in query
    assert query["page"] == "9" * 200


class _Filters(QueryFilterForm):
    q = forms.CharField(required=False, max_length=50)
    kind = forms.ChoiceField(required=False, choices=[("", "All"), ("rfi", "RFI")])


def test_filter_forms_keep_the_valid_filters_and_ignore_the_rest():
    assert _Filters(QueryDict("q=sol%00&kind=nope")).filters() == {"q": "sol"}
    assert _Filters(None).filters() == {}


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["action=%00", "action=grant%00call", "action=" + "x" * 5000, "page=%00", "page=abc"])
def test_the_audit_log_filter_answers_any_value(client, query):
    AuditEntry.objects.create(action="grantcall.created")
    client.force_login(make_portal_admin())
    response = client.get(reverse("portal:audit_log") + "?" + query)
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


@pytest.mark.django_db
def test_the_audit_log_filters_on_the_cleaned_action(client):
    AuditEntry.objects.create(action="grantcall.created")
    AuditEntry.objects.create(action="need.created")
    client.force_login(make_portal_admin())
    entries = client.get(reverse("portal:audit_log"), {"action": " grant\x00call "}).context["entries"]
    assert [entry.action for entry in entries] == ["grantcall.created"]
