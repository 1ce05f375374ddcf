"""The user's row read with the rest of what a signed-in request needs (portal.middleware.AuthenticationMiddleware,
portal.selectors.signed_in_user): the same user, or the same anonymous visitor, as Django's own `get_user` gives for
every state a session can be in, and the session treated as Django treats it."""

import pytest
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from portal import services
from portal.middleware import ACTIVE_ORG_SESSION_KEY, ONE_QUERY_BACKENDS, AuthenticationMiddleware
from portal.models import Membership
from portal.rules import group_names, org_roles
from tests.factories import MembershipFactory, OrganisationFactory, make_buyer, make_handler, next_org_number

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
OLD_KEY = "an-earlier-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def _session(user, *, backend=MODEL_BACKEND, auth_hash=None, chosen=None) -> str:
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash() if auth_hash is None else auth_hash
    if chosen is not None:
        store[ACTIVE_ORG_SESSION_KEY] = chosen
    store.save()
    return store.session_key


def _request(session_key):
    request = RequestFactory().get("/healthz")
    request.session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key)
    return request


def _ours(session_key):
    request = _request(session_key)
    AuthenticationMiddleware(lambda request: HttpResponse()).process_request(request)
    request.user.is_authenticated  # noqa: B018 (reads the user)
    return request, request.user._wrapped


def _djangos(session_key):
    request = _request(session_key)
    return request, auth.get_user(request)


def _same(ours, djangos) -> None:
    assert type(ours) is type(djangos)
    assert ours.is_authenticated == djangos.is_authenticated
    if djangos.is_authenticated:
        fields = [field.attname for field in type(djangos)._meta.concrete_fields]
        assert {name: getattr(ours, name) for name in fields} == {name: getattr(djangos, name) for name in fields}
        assert not ours._state.adding and ours.get_deferred_fields() == set()


def test_both_backends_the_portal_signs_in_with_read_the_user_as_model_backend_does():
    assert ONE_QUERY_BACKENDS <= set(settings.AUTHENTICATION_BACKENDS)
    model_backend = import_string(MODEL_BACKEND)
    for path in ONE_QUERY_BACKENDS:
        backend = import_string(path)
        assert issubclass(backend, model_backend)
        assert backend.get_user is model_backend.get_user
        assert backend.user_can_authenticate is model_backend.user_can_authenticate


@pytest.mark.parametrize("backend", [MODEL_BACKEND, ALLAUTH_BACKEND])
def test_a_valid_session_gives_the_same_user_in_one_query(backend):
    user = make_buyer()
    key = _session(user, backend=backend)
    with CaptureQueriesContext(connection) as queries:
        request, ours = _ours(key)
        assert ours.is_authenticated
    assert len(queries) == 1
    _same(ours, _djangos(key)[1])
    context = ours._signed_in_context
    assert context.organisation == user.memberships.get().organisation
    with CaptureQueriesContext(connection) as queries:
        AuthenticationMiddleware(lambda request: HttpResponse())  # nothing read again for the same request
        assert request.user.pk == user.pk
    assert len(queries) == 0


def test_the_memberships_and_groups_come_with_the_row_and_the_rules_use_them(client):
    user = make_buyer()
    other = OrganisationFactory()
    MembershipFactory(user=user, organisation=other, role=Membership.Role.OWNER)
    client.force_login(user)
    response = client.get("/healthz")
    request_user = response.wsgi_request.user
    expected = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
    with CaptureQueriesContext(connection) as queries:
        assert org_roles(request_user) == expected
        assert group_names(request_user) == set()
    assert len(queries) == 0


def test_a_handlers_groups_and_second_factor_come_with_the_row():
    handler = make_handler()
    _request, ours = _ours(_session(handler))
    assert ours._signed_in_context.group_names == {"handlers"}
    assert ours._signed_in_context.has_second_factor is True
    assert ours._signed_in_context.org_roles == {}


def test_a_session_made_before_the_password_changed_is_signed_out_and_flushed():
    user = make_buyer()
    key = _session(user)
    user.set_password("ett-helt-nytt-losenord-2026")
    user.save()
    request, ours = _ours(key)
    assert not ours.is_authenticated
    assert SESSION_KEY not in request.session and request.session.session_key is None
    _same(ours, _djangos(_session(user, auth_hash="0" * 64))[1])


def test_a_session_without_a_hash_is_signed_out():
    user = make_buyer()
    _request, ours = _ours(_session(user, auth_hash=""))
    _same(ours, _djangos(_session(user, auth_hash=""))[1])
    assert not ours.is_authenticated


def test_a_session_signed_with_a_fallback_key_is_kept_on_a_new_key_with_the_current_hash():
    user = make_buyer()
    with override_settings(SECRET_KEY=OLD_KEY):
        old_hash = user.get_session_auth_hash()
    with override_settings(SECRET_KEY_FALLBACKS=[OLD_KEY]):
        key = _session(user, auth_hash=old_hash)
        request, ours = _ours(key)
        assert ours.is_authenticated and ours.pk == user.pk
        assert request.session.session_key != key  # cycled, as Django does
        assert request.session[HASH_SESSION_KEY] == user.get_session_auth_hash()
        _same(ours, _djangos(_session(user, auth_hash=old_hash))[1])
    _request, refused = _ours(_session(user, auth_hash=old_hash))  # without the fallback: signed out
    assert not refused.is_authenticated


def test_an_inactive_or_deleted_user_is_anonymous_and_a_backend_no_longer_configured_too():
    user = make_buyer()
    user.is_active = False
    user.save()
    key = _session(user)
    _same(_ours(key)[1], _djangos(_session(user))[1])
    assert not _ours(_session(user))[1].is_authenticated
    active = make_buyer()
    key = _session(active, backend="portal.no_such.Backend")
    assert not _ours(key)[1].is_authenticated
    gone = make_buyer()
    key = _session(gone)
    gone.delete()
    assert not _ours(key)[1].is_authenticated


def test_a_chosen_organisation_is_read_with_the_row_and_one_left_is_dropped(client):
    user = make_buyer()
    chosen = OrganisationFactory()
    MembershipFactory(user=user, organisation=chosen)
    _request, ours = _ours(_session(user, chosen=chosen.pk))
    assert ours._signed_in_context.chosen_is_member and ours._signed_in_context.organisation == chosen
    stranger = OrganisationFactory()
    _request, ours = _ours(_session(user, chosen=stranger.pk))
    assert not ours._signed_in_context.chosen_is_member
    assert ours._signed_in_context.organisation != stranger


def test_a_service_changing_the_users_own_memberships_makes_the_rules_read_them_again(client):
    user = make_buyer()
    client.force_login(user)
    request_user = client.get("/healthz").wsgi_request.user
    before = dict(org_roles(request_user))
    organisation = services.create_organisation(
        by=request_user, kind="company", name="Nytt bolag AB", org_number=next_org_number()
    )
    assert org_roles(request_user) == {**before, organisation.pk: Membership.Role.OWNER}


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _forget_prepared_statements() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection.connection._prepared.clear()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements are PostgreSQL's")
def test_a_query_run_again_on_the_connection_is_prepared_and_planned_once(client):
    """settings.DATABASES: server-side binding and psycopg's prepare threshold (DB_PREPARE_THRESHOLD, 2)."""
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 2
    user = make_buyer()
    client.force_login(user)
    _forget_prepared_statements()
    assert client.get("/needs/").status_code == 200
    assert not any('FROM "portal_user"' in statement for statement in _prepared_statements())
    for _ in range(2):
        assert client.get("/needs/").status_code == 200
    [signed_in] = [statement for statement in _prepared_statements() if 'FROM "portal_user"' in statement]
    assert "portal_membership" in signed_in
    assert '"portal_user"."id" = $' in signed_in  # the user's id is sent apart: one statement for every user


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements are PostgreSQL's")
def test_without_prepared_statements_nothing_is_prepared(client):
    user = make_buyer()
    client.force_login(user)
    _forget_prepared_statements()
    threshold = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = None  # what DB_PREPARED_STATEMENTS=0 leaves
    try:
        for _ in range(3):
            response = client.get("/needs/")
            assert response.status_code == 200 and response.wsgi_request.user.pk == user.pk
    finally:
        connection.connection.prepare_threshold = threshold
    assert _prepared_statements() == []


def test_model_permissions_come_with_the_row_as_model_backend_reads_them():
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Group, Permission

    user = make_buyer()
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    group = Group.objects.create(name="granskare")
    group.permissions.add(*Permission.objects.filter(codename__in=["view_membership", "view_auditentry"]))
    user.groups.add(group)
    _request, ours = _ours(_session(user))
    fresh = type(user).objects.get(pk=user.pk)
    expected = ModelBackend().get_all_permissions(fresh)
    assert expected == {"portal.view_auditentry", "portal.view_membership"}
    with CaptureQueriesContext(connection) as queries:
        assert ours.get_all_permissions() == expected
        assert ours.has_perm("portal.view_membership") and not ours.has_perm("portal.delete_membership")
    assert len(queries) == 0
    _request, plain = _ours(_session(make_buyer()))
    with CaptureQueriesContext(connection) as queries:
        assert not plain.has_perm("webinars.manage_webinars")
    assert len(queries) == 0


def test_a_superusers_permissions_are_left_to_django():
    admin = make_buyer(is_superuser=True)
    _request, ours = _ours(_session(admin))
    assert not hasattr(ours, "_perm_cache")
    assert ours.has_perm("portal.delete_membership")
