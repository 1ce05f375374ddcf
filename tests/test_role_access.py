import pytest
from django.urls import reverse

from portal.extensions import optional_module

from .access import ACCESS_MODULES, ROLES, all_url_names, build_world


def _cases(world):
    cases = []
    for dotted in ACCESS_MODULES:
        package, name = dotted.rsplit(".", 1)
        module = optional_module(package, name)
        if module is not None:
            cases.extend(module.cases(world))
    return cases


@pytest.mark.django_db
def test_every_named_url_has_an_access_case():
    covered = {case.name for case in _cases(build_world())}
    missing = sorted(all_url_names() - covered)
    assert not missing, f"URLs without a row in the role-access table: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_role_access_table(client, role):
    world = build_world()
    user = world[role]
    if user is not None:
        client.force_login(user)
    failures = []
    for case in _cases(world):
        url = reverse(case.name, kwargs=case.kwargs) + (f"?{case.query}" if case.query else "")
        response = getattr(client, case.method)(url, data=case.data or {})
        expected = case.expected_for(role)
        assert response.status_code != 500, f"{case.name} answered 500 for {role}"
        if response.status_code != expected:
            failures.append(f"{case.method.upper()} {url} ({case.name}): {response.status_code}, expected {expected}")
    assert not failures, f"As {role}:\n" + "\n".join(failures)
