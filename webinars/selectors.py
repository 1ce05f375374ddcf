"""Reads for webinars. Public pages see published and cancelled webinars only; registrants only portal admins."""

from django.core import signing
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.compiled import CompiledQuery, count_of_outer
from portal.rules import is_portal_admin

from .models import Registration, Series, Speaker, Webinar

TOKEN_SALT = "webinars.registration"
PUBLIC_STATUSES = list(Webinar.PUBLIC_STATUSES)


def _with_speakers(queryset: QuerySet[Webinar]) -> QuerySet[Webinar]:
    return queryset.select_related("series").prefetch_related(
        Prefetch("speakers", queryset=Speaker.objects.order_by("position", "id"))
    )


def public_webinars() -> QuerySet[Webinar]:
    return _with_speakers(Webinar.objects.filter(status__in=PUBLIC_STATUSES))


def upcoming_webinars() -> QuerySet[Webinar]:
    """Published or cancelled webinars that have not ended, soonest first."""
    return public_webinars().filter(ends_at__gt=timezone.now()).order_by("starts_at", "id")


def past_webinars() -> QuerySet[Webinar]:
    """Published webinars that have ended, newest first (cancelled ones are left out)."""
    return (
        public_webinars()
        .filter(status=Webinar.Status.PUBLISHED, ends_at__lte=timezone.now())
        .order_by("-starts_at", "-id")
    )


def uncaptioned_recordings() -> QuerySet[Webinar]:
    """Published webinars whose recording is on the portal without captions (the accessibility statement lists them)."""
    return (
        Webinar.objects.filter(status=Webinar.Status.PUBLISHED, recording_captioned=False, recording_captions="")
        .exclude(recording_url="")
        .order_by("-starts_at", "-id")
    )


def series_list() -> QuerySet[Series]:
    return Series.objects.annotate(
        public_count=Count("webinars", filter=Q(webinars__status__in=PUBLIC_STATUSES))
    ).order_by("title")


def get_series(slug: str) -> Series:
    return get_object_or_404(Series, slug=slug)


def series_webinars(series: Series) -> QuerySet[Webinar]:
    return public_webinars().filter(series=series).order_by("-starts_at", "-id")


def get_webinar_for(user, pk, *, speakers: bool = True) -> Webinar:
    """A webinar the user may see: public ones for everyone, drafts only for portal admins; 404 otherwise.

    `speakers`: read its speakers with it (the webinar's page reads them only when it renders the part that shows
    them, `webinar.speakers.all()`)."""
    queryset = _with_speakers(Webinar.objects.all()) if speakers else Webinar.objects.select_related("series")
    if not is_portal_admin(user):
        queryset = queryset.filter(status__in=PUBLIC_STATUSES)
    return get_object_or_404(queryset, pk=pk)


def _webinar_page_queryset(pk, user_id):
    from django.contrib.auth import get_user_model

    email = Subquery(get_user_model().objects.filter(pk=user_id).values("email")[:1])
    own = Registration.objects.filter(webinar=OuterRef("pk"), email__iexact=email).exclude(
        status=Registration.Status.CANCELLED
    )
    return (
        Webinar.objects.select_related("series")
        .filter(pk=pk, status__in=PUBLIC_STATUSES)
        .annotate(
            own_registration_id=Subquery(own.order_by("pk").values("pk")[:1]),
            confirmed_registrations=count_of_outer(
                Registration.objects.filter(status=Registration.Status.CONFIRMED), "webinar"
            ),
        )
    )


_webinar_page = CompiledQuery(_webinar_page_queryset, "pk", "user_id")


def webinar_page_for(user, pk) -> tuple[Webinar, Registration | None]:
    """A public webinar as `get_webinar_for(..., speakers=False)` gives it, with the number of confirmed seats
    (`confirmed_count`) and the signed-in user's own registration (`registration_for_user`): in one query
    compiled once per process (portal.compiled); the registration's row only when there is one. Portal admins,
    who also see drafts, get the webinar from `get_webinar_for`. 404 as there."""
    if is_portal_admin(user):
        webinar = get_webinar_for(user, pk, speakers=False)
        return webinar, registration_for_user(user, webinar)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = _webinar_page.instances(pk=pk, user_id=user.pk if user.is_authenticated else 0)
    if not found:
        raise Http404
    webinar = found[0]
    registration = None
    if webinar.own_registration_id is not None:
        registration = Registration.objects.filter(pk=webinar.own_registration_id).first()
        if registration is not None:
            registration.webinar = webinar
    return webinar, registration


def get_webinar_to_manage(pk) -> Webinar:
    """Any webinar, for portal admins' pages (the view checks the permission); 404 if there is none."""
    return get_object_or_404(Webinar.objects.select_related("series"), pk=pk)


def get_series_to_manage(pk) -> Series:
    return get_object_or_404(Series, pk=pk)


def get_registration_to_manage(pk) -> Registration:
    return get_object_or_404(Registration.objects.select_related("webinar"), pk=pk)


def registration_for_user(user, webinar: Webinar) -> Registration | None:
    """The signed-in user's own active registration for the webinar (matched by account email)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Registration.objects.filter(webinar=webinar, email__iexact=user.email)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )


def registrations_of_user(user) -> QuerySet[Registration]:
    """A signed-in user's active registrations for webinars that have not ended."""
    return (
        Registration.objects.filter(email__iexact=user.email, webinar__ends_at__gt=timezone.now())
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("webinar")
        .order_by("webinar__starts_at")
    )


def _own_registrations(user_id):
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Now

    email = Subquery(get_user_model().objects.filter(pk=user_id).values("email")[:1])
    return (
        Registration.objects.filter(email__iexact=email, webinar__ends_at__gt=Now())
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("webinar")
        .order_by("webinar__starts_at", "pk")[:DASHBOARD_REGISTRATIONS]
    )


DASHBOARD_REGISTRATIONS = 10
_dashboard_registrations = CompiledQuery(_own_registrations, "user_id")


def dashboard_registrations(user) -> list[Registration]:
    """The first ten of `registrations_of_user` (the database's clock for "not ended"), for the dashboard panel that
    every signed-in person's dashboard asks for: one query compiled once per process (portal.compiled)."""
    return _dashboard_registrations.instances(user_id=user.pk)


def registration_token(registration: Registration) -> str:
    """The signed part of a personal link. Stable (no timestamp): every mail carries the same link."""
    return signing.Signer(salt=TOKEN_SALT).sign_object({"r": registration.pk, "s": registration.secret.hex})


def get_registration_by_token(token: str) -> Registration:
    """The registration behind a personal link; 404 for a forged link or one replaced by a newer registration."""
    try:
        data = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        raise Http404 from None
    registration = Registration.objects.select_related("webinar", "webinar__series").filter(pk=data.get("r")).first()
    if registration is None or registration.secret.hex != data.get("s"):
        raise Http404
    return registration


def webinars_for_admin() -> QuerySet[Webinar]:
    """All webinars with registration counts, newest first."""
    return (
        Webinar.objects.select_related("series")
        .annotate(**_count_annotations("registrations__status"))
        .order_by("-starts_at", "-id")
    )


def _count_annotations(field: str) -> dict:
    return {
        "confirmed_count": Count("registrations", filter=Q(**{field: Registration.Status.CONFIRMED})),
        "waitlisted_count": Count("registrations", filter=Q(**{field: Registration.Status.WAITLISTED})),
        "cancelled_count": Count("registrations", filter=Q(**{field: Registration.Status.CANCELLED})),
    }


def registration_counts(webinar: Webinar) -> dict[str, int]:
    counts = dict(webinar.registrations.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Registration.Status.values}


def confirmed_count(webinar: Webinar) -> int:
    """Confirmed registrations: as `webinar_page_for` counted them with the webinar, or read now."""
    counted = getattr(webinar, "confirmed_registrations", None)
    if counted is not None:
        return counted
    return webinar.registrations.filter(status=Registration.Status.CONFIRMED).count()


def seats_left(webinar: Webinar) -> int | None:
    if webinar.capacity is None:
        return None
    return max(webinar.capacity - confirmed_count(webinar), 0)


def registrations_for_admin(webinar: Webinar) -> QuerySet[Registration]:
    """Every registration of a webinar (for portal admins only): confirmed first, then the waiting list in order."""
    from django.db.models import Case, IntegerField, Value, When

    order = Case(
        When(status=Registration.Status.CONFIRMED, then=Value(0)),
        When(status=Registration.Status.WAITLISTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return webinar.registrations.select_related("user").annotate(order=order).order_by("order", "queued_at", "id")


def webinars_for_dashboard() -> QuerySet[Webinar]:
    """Drafts and webinars that have not ended, for the admins' dashboard panel."""
    return (
        webinars_for_admin()
        .filter(Q(status=Webinar.Status.DRAFT) | Q(ends_at__gt=timezone.now()))
        .order_by("starts_at", "id")
    )


def waiting_list_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when the registration is not waiting."""
    if not registration.is_waitlisted:
        return None
    waiting = Registration.objects.filter(webinar_id=registration.webinar_id, status=Registration.Status.WAITLISTED)
    ahead = waiting.filter(
        Q(queued_at__lt=registration.queued_at) | Q(queued_at=registration.queued_at, id__lt=registration.id)
    )
    return ahead.count() + 1


def next_public_change(now):
    """The next moment a public webinar starts or ends (lists and registration depend on it)."""
    from django.db.models import Min

    public = Webinar.objects.filter(status__in=PUBLIC_STATUSES)
    starting = public.filter(starts_at__gt=now).aggregate(at=Min("starts_at"))["at"]
    ending = public.filter(ends_at__gt=now).aggregate(at=Min("ends_at"))["at"]
    return min([moment for moment in (starting, ending) if moment is not None], default=None)
