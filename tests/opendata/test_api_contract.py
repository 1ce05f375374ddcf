"""The contract: the document served at /api/v1/openapi.json is a valid OpenAPI 3 document, and every answer of
every endpoint (lists, items, each error) matches the response it declares there, on real data (factories)."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from projects import services
from projects.models import Call, Need
from tests.checks.factories import GrantCallFactory
from tests.projects.factories import CallFactory, NeedFactory, closed_call, cpv, draft_call
from tests.webinars.factories import SeriesFactory, SpeakerFactory, WebinarFactory
from webinars.models import Webinar

pytestmark = pytest.mark.django_db
DOCUMENT = "urn:portal:openapi"


def _world() -> dict:
    """Something of every kind and state the lists show, and a draft of each that they must not."""
    now = timezone.now()
    solar = cpv("09331200", "0", "Solar photovoltaic modules")
    needs = []
    for n, stage in enumerate(Need.Stage.values):
        need = NeedFactory(
            title=f"Solceller {n}",
            stage=stage,
            estimated_value=1_000_000 * n or None,
            planned_start=(now + timedelta(days=30 * n)).date() if n % 2 else None,
            language="en" if n == 1 else "sv",
        )
        need.cpv_codes.add(solar)
        needs.append(need)
    NeedFactory(visibility=Need.Visibility.DRAFT)
    calls = [
        CallFactory(need=needs[0], kind=Call.Kind.CONSULTATION, questions_to_market="Vad finns?"),
        closed_call(need=needs[0]),
        CallFactory(need=needs[1], opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=20)),
        CallFactory(need=needs[2], status=Call.Status.CANCELLED, cancel_reason="Behovet är löst."),
    ]
    draft_call(need=needs[0])
    for need in needs:
        services.update_search_vectors(need=need)
    series = SeriesFactory(slug="i-fokus", title="I fokus")
    upcoming = WebinarFactory(series=series, theme="Upphandling")
    SpeakerFactory(webinar=upcoming)
    past = WebinarFactory(
        series=series,
        starts_at=now - timedelta(days=7),
        ends_at=now - timedelta(days=7) + timedelta(hours=1),
        recording_url="https://video.example.org/1.mp4",
    )
    cancelled = WebinarFactory(
        series=series, status=Webinar.Status.CANCELLED, cancellation_message="Inställt.", cancelled_at=now
    )
    WebinarFactory(status=Webinar.Status.DRAFT)
    grant_calls = [GrantCallFactory(), GrantCallFactory(open_=False)]
    GrantCallFactory(published=False)
    return {"needs": needs, "calls": calls, "webinars": [upcoming, past, cancelled], "grant_calls": grant_calls}


def _validator(document: dict, schema: dict) -> Draft202012Validator:
    registry = Registry().with_resource(DOCUMENT, Resource.from_contents(document, default_specification=DRAFT202012))
    if "$ref" in schema:
        schema = {"$ref": DOCUMENT + schema["$ref"]}
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def _operation(document: dict, path: str) -> tuple[str, dict]:
    """The documented path that `path` is, and its GET operation."""
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template, operations["get"]
    raise AssertionError(f"{path} is not in the document")


def _requests(world: dict) -> list[str]:
    needs, calls, webinars, grant_calls = world["needs"], world["calls"], world["webinars"], world["grant_calls"]
    requests = [
        "/api/v1/",
        "/api/v1/needs/",
        "/api/v1/needs/?limit=2",
        "/api/v1/needs/?q=solceller&limit=2",
        "/api/v1/needs/?sort=closing&limit=3",
        "/api/v1/needs/?category=energi&stage=dialog&cpv_division=09&theme=hallbarhet&calls=open&sort=newest",
        f"/api/v1/needs/?organisation={needs[0].organisation_id}",
        "/api/v1/needs/?limit=101",
        "/api/v1/needs/?stage=nope",
        "/api/v1/needs/?unknown=1",
        "/api/v1/needs/?cursor=nope",
        *(f"/api/v1/needs/{need.pk}/" for need in needs),
        "/api/v1/needs/0/",
        f"/api/v1/needs/{needs[0].pk}/?limit=1",
        *(f"/api/v1/calls/?state={state}" for state in ("open", "upcoming", "closed", "cancelled", "all")),
        "/api/v1/calls/?state=all&limit=1&sort=closing",
        "/api/v1/calls/?kind=consultation&q=solceller",
        "/api/v1/calls/?state=never",
        "/api/v1/calls/?calls=open",
        *(f"/api/v1/calls/{call.pk}/" for call in calls),
        "/api/v1/calls/0/",
        "/api/v1/calls/0/?x=1",
        *(f"/api/v1/webinars/?when={when}" for when in ("upcoming", "past", "all")),
        "/api/v1/webinars/?series=i-fokus&limit=1&when=all",
        "/api/v1/webinars/?when=tomorrow",
        "/api/v1/webinars/?q=x",
        *(f"/api/v1/webinars/{webinar.pk}/" for webinar in webinars),
        "/api/v1/webinars/0/",
        "/api/v1/webinars/0/?x=1",
        "/api/v1/grant-calls/",
        "/api/v1/grant-calls/?limit=1",
        "/api/v1/grant-calls/?limit=0",
        "/api/v1/grant-calls/?category=it",
        *(f"/api/v1/grant-calls/{call.pk}/" for call in grant_calls),
        "/api/v1/grant-calls/0/",
        "/api/v1/grant-calls/0/?x=1",
    ]
    return requests


def test_openapi_document_is_valid_and_every_answer_matches_it(settings):
    client = Client()
    settings.OPEN_DATA_API_REQUESTS_PER_MINUTE = 10_000
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate_spec(document)  # raises for anything that is not OpenAPI 3.1
    assert document["openapi"].startswith("3.")
    world = _world()

    seen: set[tuple[str, str]] = set()
    pending = _requests(world)
    followed = 0
    while pending:
        path = pending.pop(0)
        answer = client.get(path)
        template, operation = _operation(document, path.split("?")[0])
        declared = operation["responses"].get(str(answer.status_code))
        assert declared is not None, f"{path}: {answer.status_code} is not documented"
        assert answer["Content-Type"].startswith("application/json")
        schema = declared["content"]["application/json"]["schema"]
        errors = [error.message for error in _validator(document, schema).iter_errors(answer.json())]
        assert not errors, f"{path} ({answer.status_code}): {errors}"
        seen.add((template, str(answer.status_code)))
        body = answer.json()
        if answer.status_code == 200 and body.get("next"):
            pending.append(body["next"])  # every page of every list, through its cursor
            followed += 1
    assert followed >= 5

    # Every answer every operation declares was given at least once, apart from 429 (below).
    declared = {
        (template, status)
        for template, operations in document["paths"].items()
        for status in operations["get"]["responses"]
        if status != "429"
    }
    assert declared - seen == set()

    # Past the rate limit, each endpoint answers its documented 429.
    settings.OPEN_DATA_API_REQUESTS_PER_MINUTE = 0
    for template in document["paths"]:
        path = template.replace("{pk}", str(world["needs"][0].pk))
        answer = client.get(path)
        assert answer.status_code == 429, path
        assert int(answer["Retry-After"]) >= 1
        declared = document["paths"][template]["get"]["responses"]["429"]
        assert "Retry-After" in declared["headers"]
        schema = declared["content"]["application/json"]["schema"]
        assert not list(_validator(document, schema).iter_errors(answer.json()))


def test_answers_outside_the_operations_have_the_documented_error_shape(settings):
    """405 (another method) and the 404 of an unknown address: the `Error` schema of the document."""
    client = Client()
    document = client.get("/api/v1/openapi.json").json()
    error = _validator(document, {"$ref": "#/components/schemas/Error"})
    need = NeedFactory()
    answers = [
        client.post("/api/v1/needs/"),
        client.delete(f"/api/v1/needs/{need.pk}/"),
        client.put("/api/v1/openapi.json"),
        client.get("/api/v1/tenders/"),
        client.get(f"/api/v1/needs/{quote('ä')}/"),
    ]
    assert [answer.status_code for answer in answers] == [405, 405, 405, 404, 404]
    for answer in answers:
        assert not list(error.iter_errors(answer.json()))
