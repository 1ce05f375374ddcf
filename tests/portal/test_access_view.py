"""The one access idiom (portal/views/access.py): login for anonymous, 404 on objects, 403 on role pages."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from portal.services import ServiceError
from portal.views.access import PermissionView, form_error
from tests.factories import UserFactory

rules.add_perm("tests.may_pass", rules.predicates.always_allow)
rules.add_perm("tests.may_not_pass", rules.predicates.always_deny)


class Thing:
    pk = 1


def _view(perm, *, obj=None, **attrs):
    calls = []

    class View(PermissionView):
        permission_required = perm

        def get_object(self):
            calls.append("fetched")
            return obj

        def get(self, request):
            return HttpResponse(f"object={self.object is not None}")

    for name, value in attrs.items():
        setattr(View, name, value)
    return View.as_view(), calls


def _request(user):
    request = RequestFactory().get("/somewhere/?a=1")
    request.user = user
    return request


def test_anonymous_is_sent_to_sign_in_before_anything_is_fetched():
    view, calls = _view("tests.may_pass", obj=Thing())
    response = view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/somewhere/%3Fa%3D1"
    assert calls == []


@pytest.mark.django_db
def test_a_permitted_user_gets_the_page_with_the_object_fetched_once():
    view, calls = _view("tests.may_pass", obj=Thing())
    response = view(_request(UserFactory()))
    assert response.status_code == 200 and response.content == b"object=True"
    assert calls == ["fetched"]


@pytest.mark.django_db
def test_denied_on_an_object_is_not_found():
    view, _ = _view("tests.may_not_pass", obj=Thing())
    with pytest.raises(Http404):
        view(_request(UserFactory()))


@pytest.mark.django_db
def test_denied_on_an_object_can_be_forbidden_when_the_view_says_so():
    view, _ = _view("tests.may_not_pass", obj=Thing(), denied_status=403)
    with pytest.raises(PermissionDenied):
        view(_request(UserFactory()))


@pytest.mark.django_db
def test_denied_on_a_role_page_is_forbidden():
    view, _ = _view("tests.may_not_pass")
    with pytest.raises(PermissionDenied):
        view(_request(UserFactory()))


def test_anonymous_may_see_a_page_that_needs_no_login():
    view, calls = _view(None, obj=Thing(), login_required=False)
    response = view(_request(AnonymousUser()))
    assert response.status_code == 200
    assert calls == ["fetched"]


def test_form_error_lands_on_the_named_field_or_above_the_form():
    from django import forms

    class Form(forms.Form):
        amount = forms.IntegerField()

    form = Form({"amount": "5"})
    assert form.is_valid()
    form_error(form, ServiceError("Too much", field="amount"))
    form_error(form, ServiceError("Not now", field="no_such_field"))
    assert form.errors == {"amount": ["Too much"], "__all__": ["Not now"]}


@pytest.mark.django_db
def test_a_missing_role_is_forbidden_before_the_object_is_fetched():
    view, calls = _view("tests.may_pass", obj=Thing(), role_required="tests.may_not_pass")
    with pytest.raises(PermissionDenied):
        view(_request(UserFactory()))
    assert calls == []
