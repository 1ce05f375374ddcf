from django.contrib import admin
from django.urls import include, path

from . import eid_saml_views, registry
from .cache import cache_member_page, cache_public_page
from .views import eid, errors, files, organisations, pages, staff

portal_patterns = [
    path("", cache_public_page(pages.HomeView.as_view(), shows=()), name="home"),
    path("tillganglighet/", pages.AccessibilityView.as_view(), name="accessibility"),
    path("integritet/", pages.PrivacyView.as_view(), name="privacy"),
    path("dashboard/", cache_member_page(pages.DashboardView.as_view()), name="dashboard"),
    path("organisations/new/", organisations.OrganisationCreateView.as_view(), name="organisation_create"),
    path("organisations/switch/", organisations.SwitchOrganisationView.as_view(), name="organisation_switch"),
    path("organisations/<int:pk>/", organisations.OrganisationDetailView.as_view(), name="organisation_detail"),
    path("organisations/<int:pk>/edit/", organisations.OrganisationEditView.as_view(), name="organisation_edit"),
    path("organisations/<int:pk>/invite/", organisations.InviteView.as_view(), name="organisation_invite"),
    path(
        "organisations/<int:organisation_pk>/members/<int:pk>/role/",
        organisations.MemberRoleView.as_view(),
        name="member_role",
    ),
    path(
        "organisations/<int:organisation_pk>/members/<int:pk>/remove/",
        organisations.MemberRemoveView.as_view(),
        name="member_remove",
    ),
    path("organisations/join/", organisations.JoinRequestCreateView.as_view(), name="join_request_create"),
    path("organisations/dispute/", organisations.DisputeCreateView.as_view(), name="dispute_create"),
    path("join-requests/<int:pk>/", organisations.JoinRequestDetailView.as_view(), name="join_request_detail"),
    path("invitations/<str:token>/", organisations.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("staff/organisations/", staff.VerificationQueueView.as_view(), name="verification_queue"),
    path("staff/organisations/<int:pk>/verify/", staff.VerifyOrganisationView.as_view(), name="organisation_verify"),
    path("staff/organisations/<int:pk>/reject/", staff.RejectOrganisationView.as_view(), name="organisation_reject"),
    path(
        "staff/organisations/verified/",
        staff.DecidedOrganisationsView.as_view(status="verified"),
        name="organisations_verified",
    ),
    path(
        "staff/organisations/rejected/",
        staff.DecidedOrganisationsView.as_view(status="rejected"),
        name="organisations_rejected",
    ),
    path(
        "staff/organisations/<int:pk>/undo/",
        staff.UndoOrganisationDecisionView.as_view(),
        name="organisation_undo_decision",
    ),
    path("staff/disputes/", staff.DisputeQueueView.as_view(), name="dispute_queue"),
    path("staff/disputes/<int:pk>/", staff.DisputeDecideView.as_view(), name="dispute_decide"),
    path("staff/audit/", staff.AuditLogView.as_view(), name="audit_log"),
    path("files/<uuid:uuid>/", files.download_attachment, name="attachment_download"),
    path("i18n/setlang/", pages.set_language, name="set_language"),
    path("healthz", pages.healthz, name="healthz"),
    path("readyz", pages.readyz, name="readyz"),
    path("request-too-large/", errors.request_too_large, name="request_too_large"),
    # Under /accounts/ with allauth's pages: open without an organisation or a second factor.
    path("accounts/e-legitimation/link/", eid.LinkView.as_view(), name="eid_link"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    # Four of allauth's SAML views, replaced at their own URLs (portal/eid_saml_views.py): the level of assurance
    # asked for and kept, every refused response on the e-ID error page, never a server error.
    path("accounts/saml/<str:organization_slug>/login/", eid_saml_views.login, name="saml_login"),
    path("accounts/saml/<str:organization_slug>/acs/finish/", eid_saml_views.finish_acs, name="saml_finish_acs"),
    path("accounts/saml/<str:organization_slug>/sls/", eid_saml_views.sls, name="saml_sls"),
    path("accounts/saml/<str:organization_slug>/metadata/", eid_saml_views.metadata, name="saml_metadata"),
    path("accounts/", include("allauth.urls")),
    # The apps' pages, as each app registers them in its AppConfig.ready() (portal/registry.py).
    *(path(prefix, include(module)) for prefix, module in registry.url_includes()),
    path("django-admin/", admin.site.urls),
]

handler403 = "portal.views.errors.permission_denied"
handler404 = "portal.views.errors.page_not_found"
handler500 = "portal.views.errors.server_error"
