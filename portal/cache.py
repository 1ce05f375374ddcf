"""A cache of whole pages: the public pages visitors see (home, catalogue, need, call and webinar pages) and a
few busy signed-in pages (dashboard, handler queue), stored per user and the organisation they act for; and the
versions that key cached fragments of pages rendered for everyone else (`fragment_version`, `PageFragments`).

Only GET requests are served from it, never a page with a message for the user. A page is stored with the
*generation* it was rendered in: the generations of the *families* of rows the page shows (needs and calls,
responses, organisations, webinars, registrations, grant calls, applications, subscriptions; each app names its
models' families with `registry.add_page_family`). A family's generation changes

- whenever a row of it is saved or deleted (signals; again when that request or task ends, after its transaction
  has committed, so a request that read the old rows meanwhile cannot keep them under the new token).

Every page also carries the generation `*`, which changes

- when a row of a model with no family is written (so an unnamed model can never leave a page stale), and
- when the clock passes the next moment a page changes by itself (a call opens or closes, a webinar starts or
  ends, a new day for the grant calls); each app says when that is with `registry.add_time_boundary`.

So a response saved or a webinar registration leaves the catalogue's stored pages in place, while a need
published makes them stale at once, on every web process (the generations live in the shared cache).

Writes that send no signal (`QuerySet.update()`, `bulk_update()`, `bulk_create()`) change the generation too: every
model a cached page shows has `objects = CachedPageManager()` (or a manager built on `CachedPageQuerySet`), also
used as its base manager and inherited by its related managers, and tests/portal/test_public_cache.py fails for a
model outside `NOT_SHOWN` that lacks it. So a bulk write cannot leave a stale page, whoever writes it.

A page from an older generation is never served, so a change shows at once. A hit costs one small round trip to
the shared cache (generation and boundary); the page itself comes from the process's own memory when it served it
before, else from the shared cache. A visitor's hit makes no database query.

CSRF tokens are not shared: they are cut out of the stored page and a fresh token for the current visitor is put
back in when the page is served.
"""

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from . import registry

GENERATION_KEY = "public-pages:generation"  # the generation `*`: every page carries it
FAMILY_KEY = "public-pages:family:"  # + the family's name
BOUNDARY_KEY = "public-pages:boundary"
# What the signed-in pages stored per user show: anything (`ANY` changes with every write, whatever its family).
ANY = "any"
PAGE_TTL = 60 * 60  # an unused page leaves the cache after an hour

# Rows that no cached page shows; a write to any other model makes every stored page stale. (Sessions change on
# nearly every sign-in; the audit log is written beside changes that invalidate anyway; tokens, queued jobs and
# mails are the machinery behind a change; the rest belong to Django and allauth and are shown on no cached page:
# a change of role or e-mail address is a change of the user's groups or of the user row.)
NOT_SHOWN = {
    ("sessions", "session"),
    ("admin", "logentry"),
    ("contenttypes", "contenttype"),
    ("auth", "permission"),
    ("auth", "group"),
    ("account", "emailaddress"),
    ("account", "emailconfirmation"),
    ("mfa", "authenticator"),
    ("portal", "auditentry"),
    ("portal", "submissiontoken"),
    ("portal", "heldupload"),  # a file on a form not yet saved: shown only on that form, to its uploader
    ("portal", "outboxmessage"),
    ("portal", "mail"),
    # e-legitimation (portal/eid.py): sign-in data, on no page but the person's own connections page.
    ("portal", "eididentity"),
    ("socialaccount", "socialaccount"),
    ("socialaccount", "socialapp"),
    ("socialaccount", "socialtoken"),
}

CSRF_INPUT_RE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = b"__CSRF_TOKEN__"
# A form's one-time submission token (portal/submission.py) must be fresh in every copy served.
SUBMISSION_INPUT_RE = re.compile(rb'(name="submission_token" value=")[^"]*(")')
SUBMISSION_PLACEHOLDER = b"__SUBMISSION_TOKEN__"
# `Link` carries the next page of a paginated JSON list, `Access-Control-Allow-Origin` lets other sites read open data.
HEADERS_KEPT = ("Content-Type", "Content-Language", "Link", "Access-Control-Allow-Origin")


_pending = threading.local()


def invalidate_public_pages() -> None:
    """Every cached page and fragment is stale from now on, and again when the request or task that changed data
    ends."""
    invalidate_families(None)


def invalidate_families(families: frozenset[str] | None) -> None:
    """The pages and fragments that show rows of `families` (None: every page) are stale from now on, and again
    when the request or task that changed data ends.

    The second time closes the gap between a write and its commit: a visitor's request that read the old rows
    in that gap may have stored its page under the new generation.
    """
    keys = _keys_of(families)
    _new_generations(keys)
    pending = getattr(_pending, "keys", None)
    if pending is None:
        pending = _pending.keys = set()
    pending.update(keys)


def _keys_of(families: frozenset[str] | None) -> set[str]:
    if families is None:
        return {GENERATION_KEY}
    return {FAMILY_KEY + ANY, *(FAMILY_KEY + family for family in families)}


def _new_generations(keys) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)


def _after_request_or_task(**kwargs) -> None:
    keys = getattr(_pending, "keys", None)
    if keys:
        _pending.keys = set()
        _new_generations(keys)


def _generation(families: tuple[str, ...]) -> str:
    """The token of what a page of `families` shows now: one round trip to the shared cache (more only when a
    generation is missing or the clock boundary has passed)."""
    return _generation_and(families, ())[0]


def _generation_and(families: tuple[str, ...], also: tuple[str, ...]) -> tuple[str, dict]:
    """`_generation`, and the values of the keys `also` read in the same round trip."""
    keys = [GENERATION_KEY, BOUNDARY_KEY, *(FAMILY_KEY + family for family in families)]
    stored = cache.get_many([*keys, *also])
    boundary = stored.get(BOUNDARY_KEY)
    now = timezone.now()
    if stored.get(GENERATION_KEY) is None or boundary is None or boundary <= now.timestamp():
        # The clock has passed a boundary (or the shared cache was emptied): every page is stale.
        stored[GENERATION_KEY] = uuid.uuid4().hex
        cache.set_many(
            {GENERATION_KEY: stored[GENERATION_KEY], BOUNDARY_KEY: next_time_boundary(now).timestamp()}, None
        )
    missing = [key for key in keys[2:] if stored.get(key) is None]
    for key in missing:
        # Another process may set it at the same moment: the first value stays, and both use it.
        cache.add(key, uuid.uuid4().hex, None)
    if missing:
        stored.update(cache.get_many(missing))
    token = ":".join(str(stored.get(key)) for key in [GENERATION_KEY, *keys[2:]])
    return token, {key: stored[key] for key in also if key in stored}


def _checked_families(families) -> tuple[str, ...]:
    unknown = set(families) - known_families()
    if unknown:
        raise ValueError(f"Unknown page families: {sorted(unknown)}")
    return tuple(sorted(families))


def _version(generation: str) -> str:
    return sha256(generation.encode()).hexdigest()[:16]


def fragment_version(*families: str) -> str:
    """A short token that changes whenever a row of one of `families` is written (on every web process at once),
    a row of a model with no family is written, or the clock passes a boundary (a call opens or closes).

    Use it in the key of something cached that shows only rows of those families and is the same for everyone who
    may see it: it is made again exactly when its data changes. A page's template fragments use `PageFragments`
    (the same token, read in one round trip with the fragments).
    """
    return _version(_generation(_checked_families(families)))


class PageFragments:
    """The cached fragments of one page (`{% fragment "name" %}…{% endfragment %}`, portal/templatetags/fragments.py):
    parts that show only rows of `families` and are the same for everyone who sees them, each kept for at most
    `ttl` seconds unused.

    `parts` names each fragment the page may show and what else it depends on besides its families and the
    language (`{"call-body": call.pk}`); the view that renders the page says so, so the template cannot get it
    wrong. The first fragment rendered reads the families' generation and every named fragment in one round trip
    to the shared cache. A stored fragment carries the version it was rendered under (`fragment_version` of the
    families) and is used only under that same version: it is rendered again exactly when its data changes, as a
    fragment keyed by the version would be.
    """

    def __init__(self, families, parts: dict[str, object], ttl: int):
        self.families = _checked_families(families)
        self.parts = parts
        self.ttl = ttl
        self._read: tuple[str, dict, str] | None = None

    def _key(self, name: str, language: str) -> str:
        if name not in self.parts:
            raise ValueError(f"The page names no fragment {name!r} (PageFragments parts: {sorted(self.parts)})")
        digest = sha256(f"{name}\x00{language}\x00{self.parts[name]}".encode()).hexdigest()[:32]
        return f"fragment:{name}:{digest}"

    def _load(self) -> tuple[str, dict]:
        language = translation.get_language() or ""
        if self._read is None or self._read[2] != language:
            keys = {name: self._key(name, language) for name in self.parts}
            generation, stored = _generation_and(self.families, tuple(keys.values()))
            self._read = (_version(generation), {name: stored.get(key) for name, key in keys.items()}, language)
        return self._read[0], self._read[1]

    @property
    def version(self) -> str:
        """`fragment_version` of the families (read with the fragments): for other things cached under it."""
        return self._load()[0]

    def get(self, name: str) -> str | None:
        """The fragment's HTML as stored under the current version, or None."""
        version, stored = self._load()
        entry = stored.get(name)
        if isinstance(entry, dict) and entry.get("version") == version:
            return entry.get("html")
        return None

    def put(self, name: str, html: str) -> None:
        self._store(name, {"html": str(html)})

    def kept(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value (not HTML: a count, say) kept as a fragment is: read in the same round trip, used only under the
        version it was computed under, else `compute()` and stored."""
        version, stored = self._load()
        entry = stored.get(name)
        if isinstance(entry, dict) and entry.get("version") == version and "value" in entry:
            return entry["value"]
        value = compute()
        self._store(name, {"value": value})
        return value

    def _store(self, name: str, content: dict) -> None:
        version, stored = self._load()
        entry = {"version": version, **content}
        stored[name] = entry
        cache.set(self._key(name, translation.get_language() or ""), entry, self.ttl)


def next_time_boundary(now: datetime) -> datetime:
    """The next moment a public page changes by the clock alone: the earliest app boundary, or the next midnight."""
    local = timezone.localtime(now)
    boundary = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    for next_change in registry.time_boundaries():
        moment = next_change(now)
        if moment is not None and moment < boundary:
            boundary = moment
    return boundary


def _path_digest(request) -> str:
    return sha256(request.get_full_path().encode()).hexdigest()


def _visitor_key(request) -> str | None:
    if request.user.is_authenticated:
        return None
    return f"pages:visitor:{translation.get_language()}:{_path_digest(request)}"


def _member_key(request) -> str | None:
    """Per user and the organisation they act for: a signed-in page is never shared with anyone else."""
    user = request.user
    if not user.is_authenticated:
        return None
    organisation = getattr(user, "active_organisation", None)
    organisation_id = organisation.pk if organisation is not None else 0
    return f"pages:member:{user.pk}:{organisation_id}:{translation.get_language()}:{_path_digest(request)}"


class _LocalPages:
    """The last pages this process served, so that a hit fetches only the small generation from the shared cache.

    An entry is used only with the generation read from the shared cache for this very request.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self.pages: OrderedDict[str, dict] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, generation: str) -> dict | None:
        with self.lock:
            page = self.pages.get(key)
            if page is None or page["generation"] != generation:
                return None
            self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: dict) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


_local_pages = _LocalPages()


def _cached(view, key_for, families: tuple[str, ...]):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.PUBLIC_PAGE_CACHE or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = key_for(request)
        if key is None or len(messages.get_messages(request)) > 0:
            return view(request, *args, **kwargs)
        generation = _generation(families)
        page = _local_pages.get(key, generation)
        if page is None:
            page = cache.get(key)
            if page is not None and page["generation"] == generation:
                _local_pages.put(key, page)
        if page is not None and page["generation"] == generation:
            return _replay(request, page)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if _stores(request, response):
            content = CSRF_INPUT_RE.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
            content = SUBMISSION_INPUT_RE.sub(rb"\1" + SUBMISSION_PLACEHOLDER + rb"\2", content)
            headers = {name: response[name] for name in HEADERS_KEPT if name in response}
            page = {"generation": generation, "content": content, "headers": headers}
            cache.set(key, page, PAGE_TTL)
            _local_pages.put(key, page)
        return response

    return wrapped


def _families_of_page(shows) -> tuple[str, ...]:
    if shows is None:
        return (ANY,)
    unknown = set(shows) - known_families()
    if unknown:
        raise ValueError(f"Unknown page families: {sorted(unknown)}")
    return tuple(sorted(shows))


def cache_public_page(view, *, shows: tuple[str, ...] | None = None):
    """Serve anonymous visitors a stored copy of the page while nothing behind it has changed.

    `shows` names the families of rows the page shows (`registry.add_page_family`); a write to another family
    leaves the stored copy in place. Without it, any write makes the page stale.
    """
    return _cached(view, _visitor_key, _families_of_page(shows))


def cache_member_page(view, *, shows: tuple[str, ...] | None = None):
    """Serve a signed-in user their own stored copy of the page (per organisation) while nothing has changed."""
    return _cached(view, _member_key, _families_of_page(shows))


def _stores(request, response) -> bool:
    session = getattr(request, "session", None)
    return (
        # A message added while the page was made belongs to this one response.
        len(messages.get_messages(request)) == 0
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (session is not None and session.modified)
    )


def _replay(request, page) -> HttpResponse:
    content = page["content"]
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    if SUBMISSION_PLACEHOLDER in content:
        from .submission import new_token as new_submission_token

    while SUBMISSION_PLACEHOLDER in content:
        content = content.replace(SUBMISSION_PLACEHOLDER, new_submission_token().encode(), 1)
    response = HttpResponse(content)
    for name, value in page["headers"].items():
        response[name] = value
    return response


class CachedPageQuerySet(models.QuerySet):
    """A queryset whose bulk writes make stored pages stale, as a save or delete does through the signals."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        _changed(self.model, rows, kwargs)
        return rows

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        rows = super().bulk_update(objs, fields, batch_size=batch_size)
        _changed(self.model, rows, fields)
        return rows

    bulk_update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        _changed(self.model, len(created))
        return created

    bulk_create.alters_data = True

    def delete(self):
        deleted, per_model = super().delete()
        _changed(self.model, deleted)
        return deleted, per_model

    delete.alters_data = True
    delete.queryset_only = True


class CachedPageManager(models.Manager.from_queryset(CachedPageQuerySet)):
    """The manager of every model a cached page shows (`objects = CachedPageManager()`).

    It is also the model's base manager (Django's `Meta.base_manager_name`, used for related objects and saves),
    and related managers are built from it, so `need.calls.update(...)` is guarded as well.
    """

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        if not cls._meta.base_manager_name:
            cls._meta.base_manager_name = name


def known_families() -> frozenset[str]:
    return frozenset({ANY, *registry.page_families().values()})


def families_of(model, instance=None) -> frozenset[str] | None:
    """The families a write to `model` (to `instance`, when known) changes; None: every page (no family named).

    A model may narrow it per row with a `page_families()` method (an attachment belongs to its owner's family).
    """
    if instance is not None and hasattr(instance, "page_families"):
        return instance.page_families()
    meta = model._meta
    named = registry.page_families()
    family = named.get(f"{meta.app_label}.{meta.model_name}") or named.get(meta.app_label)
    return frozenset({family}) if family else None


def _shows_change(model, fields) -> bool:
    """False for a model no page shows, or a write of only fields no page shows (a user's last sign-in time)."""
    meta = model._meta
    if (meta.app_label, meta.model_name) in NOT_SHOWN:
        return False
    unshown = registry.unshown_fields().get(f"{meta.app_label}.{meta.model_name}")
    return not (unshown and fields and set(fields) <= unshown)


def _changed(model, rows, fields=None) -> None:
    if rows and _shows_change(model, fields):
        invalidate_families(families_of(model))


def _on_change(sender, instance=None, update_fields=None, **kwargs) -> None:
    if getattr(sender, "_meta", None) is None or not _shows_change(sender, update_fields):
        return
    if kwargs.get("signal") is m2m_changed:
        # The instance is the row on either side of the relation: the through model's family decides.
        instance = None
    invalidate_families(families_of(sender, instance))


def connect_signals() -> None:
    from celery.signals import task_postrun

    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_change, dispatch_uid=f"public-pages-{signal!r}")
    request_finished.connect(_after_request_or_task, dispatch_uid="public-pages-request-finished")
    task_postrun.connect(_after_request_or_task, dispatch_uid="public-pages-task-postrun", weak=False)
