import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django.views.i18n import set_language as django_set_language

from .. import registry
from ..dashboard import panels_for
from ..services import set_user_language
from .access import PermissionView

logger = logging.getLogger(__name__)


class PublicView(PermissionView):
    """A page for everyone, visitors included."""

    login_required = False


class HomeView(PublicView, TemplateView):
    template_name = "portal/home.html"


class AccessibilityView(PublicView, TemplateView):
    """The accessibility statement (DOS-lagen; Digg's model): status, known defects, how to report, supervision."""

    template_name = "portal/accessibility.html"

    def get_context_data(self, **kwargs):
        from ..accessibility import statement_context

        return super().get_context_data(**statement_context(registry.accessibility_facts()), **kwargs)


class PrivacyView(PublicView, TemplateView):
    """What personal data is kept, why and how long; the periods are the ones the settings give."""

    template_name = "portal/privacy.html"

    def get_context_data(self, **kwargs):
        from ..files import HELD_UPLOAD_TTL
        from ..services import INVITATION_MAX_AGE

        day = 24 * 60 * 60
        return super().get_context_data(
            # The apps' own periods (e.g. webinar_registration_days), registered in their AppConfig.ready().
            **registry.privacy_facts(),
            invitation_days=INVITATION_MAX_AGE // day,
            session_days=max(1, settings.SESSION_COOKIE_AGE // day),
            held_upload_hours=int(HELD_UPLOAD_TTL.total_seconds()) // (60 * 60),
            **kwargs,
        )


class DashboardView(PermissionView, TemplateView):
    permission_required = "portal.view_dashboard"
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels=panels_for(self.request), **kwargs)


class SetLanguageView(PublicView):
    """Django's set_language, which also remembers the choice for mails to a signed-in user."""

    def get(self, request):
        next_url = request.GET.get("next", "/")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = "/"
        return HttpResponseRedirect(next_url)

    def post(self, request):
        response = django_set_language(request)
        if request.user.is_authenticated:  # a visitor's choice lives in the cookie only
            set_user_language(user=request.user, language=request.POST.get("language", ""))
        return response


set_language = SetLanguageView.as_view()


class HealthzView(PublicView):
    def get(self, request):
        return JsonResponse({"status": "ok"})


healthz = never_cache(HealthzView.as_view())


# /readyz pings Redis through one client per Redis URL and process, whose pool keeps the connection between
# probes (opening one per probe cost more than the rest of the request). Short timeouts and a single retry without
# backoff: a Redis that is down or hangs is reported within about a second. The pool checks a kept connection before
# reusing it and drops one whose command failed, so the probe reconnects by itself once Redis is back.
READYZ_REDIS_TIMEOUT = 0.5
_redis_clients: dict = {}


def _redis_client(url: str):
    client = _redis_clients.get(url)
    if client is None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=READYZ_REDIS_TIMEOUT,
            socket_timeout=READYZ_REDIS_TIMEOUT,
            retry=Retry(NoBackoff(), 1),
        )
        _redis_clients[url] = client
    return client


class ReadyzView(PublicView):
    @staticmethod
    def _check_database() -> str | None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means not ready
            # The details (hosts, users) go to the log, not to whoever asks.
            logger.exception("readyz: the database does not answer")
            return "database: unreachable"
        return None

    @staticmethod
    def _check_redis() -> str | None:
        if not settings.REDIS_URL:
            return None
        try:
            _redis_client(settings.REDIS_URL).ping()
        except Exception:  # noqa: BLE001
            logger.exception("readyz: Redis does not answer")
            return "redis: unreachable"
        return None

    def get(self, request):
        problems = [p for p in (self._check_database(), self._check_redis()) if p]
        if problems:
            return JsonResponse({"status": "unavailable", "reasons": problems}, status=503)
        return JsonResponse({"status": "ready", "redis": bool(settings.REDIS_URL)})


readyz = never_cache(ReadyzView.as_view())
