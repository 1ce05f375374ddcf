"""The rules of amendments and following, per state of the call and per role (as in test_rule_table.py)."""

import pytest

from .test_rule_table import CALL_STATES, COMPANIES, NONE, OWNER, _allowed, _call, world  # noqa: F401

pytestmark = pytest.mark.django_db

TABLE = {
    #                     draft  scheduled  open  passed (open, closing time gone)  closed  cancelled
    "projects.amend_call": [NONE, NONE, OWNER, NONE, NONE, NONE],
    "projects.follow_call": [NONE, COMPANIES, COMPANIES, NONE, NONE, NONE],
}


@pytest.mark.parametrize("perm", TABLE)
@pytest.mark.parametrize("state", CALL_STATES)
def test_amendment_and_following_rules(world, perm, state):  # noqa: F811
    call = _call(world, state)
    assert _allowed(world, perm, call) == TABLE[perm][CALL_STATES.index(state)]
