import pytest

from tests.factories import make_buyer, make_company_user, organisation_of


@pytest.fixture
def buyer(db):
    return make_buyer()


@pytest.fixture
def buyer_org(buyer):
    return organisation_of(buyer)


@pytest.fixture
def company_user(db):
    return make_company_user()


@pytest.fixture
def company_org(company_user):
    return organisation_of(company_user)
