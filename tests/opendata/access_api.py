"""The read API's rows of the role-access table (tests/access.py): the same answer for every role, signed in or not;
a draft is not found for anyone, its own organisation and portal admins included (the API shows what visitors see)."""

from checks.models import GrantCall
from projects.models import Need
from tests.access import AccessCase
from tests.checks.factories import GrantCallFactory
from tests.projects.factories import CallFactory, NeedFactory, draft_call
from tests.webinars.factories import WebinarFactory
from webinars.models import Webinar


def cases(world):
    call = CallFactory(need=NeedFactory(organisation=world["buyer_org"]))
    draft_need = NeedFactory(organisation=world["buyer_org"], visibility=Need.Visibility.DRAFT)
    draft = draft_call(need=call.need)
    webinar = WebinarFactory()
    draft_webinar = WebinarFactory(status=Webinar.Status.DRAFT)
    grant_call = GrantCallFactory()
    draft_grant_call = GrantCallFactory(published=False)
    assert draft_grant_call.status == GrantCall.Status.DRAFT
    return [
        AccessCase("opendata:api_index", {}, default=200),
        AccessCase("opendata:api_openapi", {}, default=200),
        AccessCase("opendata:api_need_list", {}, default=200),
        AccessCase("opendata:api_need_detail", {}, kwargs={"pk": call.need_id}, default=200),
        AccessCase("opendata:api_need_detail", {}, kwargs={"pk": draft_need.pk}, default=404),
        AccessCase("opendata:api_call_list", {}, default=200),
        AccessCase("opendata:api_call_detail", {}, kwargs={"pk": call.pk}, default=200),
        AccessCase("opendata:api_call_detail", {}, kwargs={"pk": draft.pk}, default=404),
        AccessCase("opendata:api_webinar_list", {}, default=200),
        AccessCase("opendata:api_webinar_detail", {}, kwargs={"pk": webinar.pk}, default=200),
        AccessCase("opendata:api_webinar_detail", {}, kwargs={"pk": draft_webinar.pk}, default=404),
        AccessCase("opendata:api_grantcall_list", {}, default=200),
        AccessCase("opendata:api_grantcall_detail", {}, kwargs={"pk": grant_call.pk}, default=200),
        AccessCase("opendata:api_grantcall_detail", {}, kwargs={"pk": draft_grant_call.pk}, default=404),
        # Read-only: a write answers 405 for everyone.
        AccessCase("opendata:api_need_list", {}, default=405, method="post"),
    ]
