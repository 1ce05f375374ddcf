"""Rendered documents (PDFs made by the portal): one model base, one registry, one service.

An app that produces a PDF (a decision-support document for a need, a decision
letter for an innovation-check application, ...) does three things:

1. a concrete model inheriting `RenderedDocument`, with a foreign key to what
   the document is about;
2. a `DocumentKind` registered with `register_kind()` (in its AppConfig.ready()
   or a module that ready() imports): a name, the model, a template, a function
   that builds the template context and one that names the file;
3. its own service creating a row (see `create_document`), which queues
   `portal.tasks.render_document_task` on commit.

Everything else — locking, idempotency, WeasyPrint with PDF/UA, storage,
checksum, retries, failure — is here and in `portal/tasks.py`.

Rendering never fetches anything from the network: the URL fetcher only serves
`data:` URLs and files below the directories in `LOCAL_ROOTS` (the project's
static files and the system's fonts).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Max
from django.http import FileResponse, Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .audit import AuditAction
from .cache import CachedPageManager
from .outbox import enqueue

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; keep worker logs readable (its warnings still show).
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_VARIANT = "pdf/ua-1"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Being produced")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


# Statuses of a document that is (or will soon be) usable: ordering again for unchanged data is pointless.
ACTIVE_STATUSES = (DocumentStatus.QUEUED, DocumentStatus.RENDERING, DocumentStatus.READY)
# A queued or rendering document untouched for this long is presumed lost (e.g. the broker lost the task):
# it may be queued again, and it no longer blocks a new order.
STALE_AFTER = datetime.timedelta(minutes=10)
SWEEP_BATCH = 1000


def document_upload_to(instance, filename: str) -> str:
    meta = instance._meta
    return f"documents/{meta.app_label}/{meta.model_name}/{instance.pk}/v{instance.version}/{filename}"


class RenderedDocument(models.Model):
    """Base for every PDF the portal renders. Concrete models add a foreign key to their subject."""

    Status = DocumentStatus

    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="sv")
    fingerprint = models.CharField(
        _("content fingerprint"),
        max_length=64,
        blank=True,
        help_text=_("A hash of the data the document was ordered for; used to avoid duplicate orders."),
    )
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=300, blank=True)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    rendered_at = models.DateTimeField(_("ready at"), null=True, blank=True)

    objects = CachedPageManager()

    class Meta:
        abstract = True
        ordering = ["-version", "-id"]

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_failed(self) -> bool:
        return self.status == DocumentStatus.FAILED

    @property
    def is_pending(self) -> bool:
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.RENDERING)

    @property
    def is_stale(self) -> bool:
        """Pending for so long that the task was presumably lost; it may be queued again."""
        return self.is_pending and self.updated_at is not None and self.updated_at < timezone.now() - STALE_AFTER

    @property
    def can_retry(self) -> bool:
        return self.is_failed or self.is_stale


# --- registry --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentKind:
    """What distinguishes one kind of document from another: a template and a context.

    `model` is the concrete model class or its "app_label.ModelName".
    `get_context(document)` returns the template context; `title` in it becomes the PDF title.
    `filename(document)` is the download name (ending in .pdf).
    `scope` names the fields whose values number versions together (e.g. ("need",)).
    `on_ready(document)`, if given, runs once after the document became ready and that was committed
    (for example to mail a decision letter as an attachment); it runs in the worker.
    `on_ready_pending`, if given, is a filter (field lookups) matching ready documents whose on_ready work is
    not done yet (e.g. {"mailed_at__isnull": True}); the sweep runs on_ready again for those left so for long.
    on_ready must then be safe to run twice.
    """

    name: str
    model: Any
    template: str
    get_context: Callable[[RenderedDocument], dict]
    filename: Callable[[RenderedDocument], str]
    scope: tuple[str, ...] = field(default_factory=tuple)
    on_ready: Callable[[RenderedDocument], None] | None = None
    on_ready_pending: dict | None = None

    def get_model(self) -> type[RenderedDocument]:
        if isinstance(self.model, str):
            return apps.get_model(self.model)
        return self.model


_KINDS: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> DocumentKind:
    """Register a document kind (idempotent for the same name; apps call it from ready())."""
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> DocumentKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"Unknown document kind {name!r}; registered: {sorted(_KINDS)}") from None


def kind_for(document: RenderedDocument) -> DocumentKind:
    """The registered kind whose model is the document's class."""
    for kind in _KINDS.values():
        if isinstance(document, kind.get_model()):
            return kind
    raise LookupError(f"No document kind registered for {type(document).__name__}")


# --- rendering -------------------------------------------------------------------------------------------------


def local_roots() -> list[Path]:
    """Directories the renderer may read files from: our static files and the system fonts."""
    roots = [Path(path) for path in settings.STATICFILES_DIRS]
    roots += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    return [root.resolve() for root in roots]


def static_base_url() -> str:
    """Relative URLs in document templates (e.g. "css/documents.css") resolve into static/."""
    return Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"


def make_url_fetcher():
    """A WeasyPrint URL fetcher that refuses everything except data: URLs and local files below local_roots()."""
    from weasyprint.urls import URLFetcher

    roots = local_roots()

    class LocalOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in roots):
                    return super().fetch(url, headers)
            raise ValueError(f"Documents may not load {url!r}: only local static files are allowed.")

    return LocalOnlyURLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def render_html(*, kind: DocumentKind, document: RenderedDocument) -> str:
    """The document's HTML, rendered in its language."""
    with translation.override(document.language or settings.LANGUAGE_CODE):
        context = {"document": document, "generated_at": timezone.localtime(), **kind.get_context(document)}
        return render_to_string(kind.template, context)


def html_to_pdf(html: str) -> bytes:
    """Tagged PDF (PDF/UA-1) from HTML; title, language and outline come from <title>, <html lang> and headings.

    `pdf_tagging` adds what WeasyPrint leaves out: /Lang of parts in another language, /Scope of table
    headers, the /IDTree for the cells' /Headers, /Alt from aria-label.
    """
    from weasyprint import HTML

    from . import pdf_tagging

    pdf_tagging.install()
    return HTML(string=html, base_url=static_base_url(), url_fetcher=make_url_fetcher()).write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        custom_metadata=True,
        finisher=pdf_tagging.finish,
    )


def render_pdf(*, kind: DocumentKind, document: RenderedDocument) -> bytes:
    return html_to_pdf(render_html(kind=kind, document=document))


def render_document(*, kind: str, document_id: int) -> RenderedDocument:
    """Render one document to PDF and store it. Idempotent.

    Side effects: the row goes to `rendering` (attempts + 1), then to `ready`
    with file, checksum, size and rendered_at; the file is saved through the
    default storage. When the row is already ready nothing happens, and when
    two runs race only the first to finish stores a file. Errors propagate
    (the task decides whether to retry or to call `mark_document_failed`).
    """
    document_kind = get_kind(kind)
    model = document_kind.get_model()
    with transaction.atomic():
        document = model.objects.select_for_update().get(pk=document_id)
        if document.status == DocumentStatus.READY:
            return document
        document.status = DocumentStatus.RENDERING
        document.attempts += 1
        document.error = ""
        document.save(update_fields=["status", "attempts", "error", "updated_at"])
    logger.info("Rendering document %s #%s, attempt %s.", kind, document_id, document.attempts)

    # The slow part runs without holding the row lock, so the page can show "being produced".
    content = render_pdf(kind=document_kind, document=document)

    with transaction.atomic():
        document = model.objects.select_for_update().get(pk=document_id)
        if document.status == DocumentStatus.READY:
            return document  # another run finished first: keep its file, drop ours
        name = document_kind.filename(document)
        document.file.save(name, ContentFile(content), save=False)
        stored_name = document.file.name
        try:
            document.checksum = hashlib.sha256(content).hexdigest()
            document.size = len(content)
            document.status = DocumentStatus.READY
            document.rendered_at = timezone.now()
            document.error = ""
            document.save(update_fields=["file", "checksum", "size", "status", "rendered_at", "error", "updated_at"])
        except Exception:
            document.file.storage.delete(stored_name)
            raise
        _audit(document, AuditAction.DOCUMENT_READY, {"version": document.version, "size": document.size})
        if document_kind.on_ready is not None:
            ready_document = document
            transaction.on_commit(lambda: _run_on_ready(document_kind, ready_document))
    return document


def _run_on_ready(kind: DocumentKind, document: RenderedDocument) -> None:
    # The document is ready whatever happens here; a failing hook must not turn it into a failed render.
    try:
        kind.on_ready(document)
    except Exception:  # noqa: BLE001
        logger.exception("on_ready of %s #%s failed.", kind.name, document.pk)


def _audit(document: RenderedDocument, action: AuditAction, details: dict) -> None:
    from .services import write_audit

    write_audit(actor=None, action=action, obj=document, details=details)


def mark_document_failed(*, kind: str, document_id: int, error: str) -> RenderedDocument | None:
    """Mark a document failed with a short reason (unless it became ready meanwhile). Side effect: the row."""
    model = get_kind(kind).get_model()
    with transaction.atomic():
        document = model.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status == DocumentStatus.READY:
            return document
        document.status = DocumentStatus.FAILED
        document.error = str(error)[:2000]
        document.save(update_fields=["status", "error", "updated_at"])
        _audit(document, AuditAction.DOCUMENT_FAILED, {"error": document.error[:500]})
    return document


def queue_render(*, kind: str, document: RenderedDocument) -> None:
    """Queue the rendering task once the current transaction commits (in-process without a broker)."""
    from .tasks import render_document_task

    document_id = document.pk
    # An outbox row in this transaction: if the broker is down the job is sent once it is back; never a 500.
    enqueue(render_document_task, kind=kind, document_id=document_id)


def next_version(*, kind: DocumentKind, scope: dict) -> int:
    """The next version number among documents sharing `scope` (the caller holds a lock on the parent row)."""
    current = kind.get_model().objects.filter(**scope).aggregate(top=Max("version"))["top"]
    return (current or 0) + 1


def fingerprint_of(data: Any) -> str:
    """A stable SHA-256 of JSON-like data (dicts, lists, strings, numbers, dates)."""
    import json

    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def latest_active(*, kind: DocumentKind, scope: dict) -> RenderedDocument | None:
    """The newest queued, rendering or ready document within `scope`."""
    return kind.get_model().objects.filter(**scope, status__in=ACTIVE_STATUSES).order_by("-version", "-id").first()


def create_document(
    *, kind: str, by, language: str, fingerprint: str = "", reuse_unchanged: bool = True, **scope
) -> tuple[RenderedDocument, bool]:
    """Create a queued document and queue its rendering on commit. Returns (document, created).

    Call it inside a transaction that has locked the parent row (e.g. the need),
    so that versions are numbered without gaps and duplicates. When
    `reuse_unchanged` and the newest active document in `scope` has the same
    fingerprint and language, that document is returned instead (created=False).
    Side effects: a row, a task queued on commit.
    """
    document_kind = get_kind(kind)
    if reuse_unchanged and fingerprint:
        latest = latest_active(kind=document_kind, scope=scope)
        if (
            latest is not None
            and latest.fingerprint == fingerprint
            and latest.language == language
            and not latest.is_stale
        ):
            return latest, False
    document = document_kind.get_model().objects.create(
        **scope,
        version=next_version(kind=document_kind, scope=scope),
        language=language,
        fingerprint=fingerprint,
        requested_by=by if getattr(by, "is_authenticated", False) else None,
        status=DocumentStatus.QUEUED,
    )
    queue_render(kind=kind, document=document)
    return document, True


def requeue_document(*, kind: str, document: RenderedDocument) -> RenderedDocument:
    """Put a failed (or stale) document back in the queue. Side effects: the row (queued, error cleared), a task.

    Raises `portal.services.InvalidTransition` unless the document failed or has been pending for longer
    than STALE_AFTER (its task was presumably lost). The task is queued on commit.
    """
    from .services import InvalidTransition

    model = get_kind(kind).get_model()
    with transaction.atomic():
        document = model.objects.select_for_update().get(pk=document.pk)
        if not document.can_retry:
            raise InvalidTransition(_("Only a document that failed can be produced again."))
        document.status = DocumentStatus.QUEUED
        document.error = ""
        document.save(update_fields=["status", "error", "updated_at"])
        queue_render(kind=kind, document=document)
    return document


def sweep_stale_documents(*, older_than: datetime.timedelta | None = None, now=None) -> int:
    """Queue again every document, of every registered kind, whose job was presumably lost. Returns how many.

    A document queued or rendering and untouched for `older_than` (default STALE_AFTER) — e.g. its job was in
    a Redis that restarted empty, after the outbox had marked it sent — goes back to queued with a new job; a
    ready one whose `on_ready` work is still pending (`DocumentKind.on_ready_pending`) that long after it was
    rendered gets its on_ready run again. Idempotent: a requeued row is touched, so the next sweep waits another
    period, and rendering and on_ready are safe to run twice. Side effects: rows (status, updated_at), jobs.
    """
    cutoff = (now or timezone.now()) - (STALE_AFTER if older_than is None else older_than)
    swept = 0
    for kind in list(_KINDS.values()):
        try:
            swept += _sweep_kind(kind, cutoff)
        except Exception:  # noqa: BLE001 - one kind's trouble must not keep the others' documents waiting
            logger.exception("Sweeping documents of kind %s failed.", kind.name)
    if swept:
        logger.warning("The sweep queued %s document job(s) again whose job was lost.", swept)
    return swept


def _sweep_kind(kind: DocumentKind, cutoff) -> int:
    swept = 0
    model = kind.get_model()
    with transaction.atomic():
        stale = model.objects.select_for_update(skip_locked=True).filter(
            status__in=(DocumentStatus.QUEUED, DocumentStatus.RENDERING), updated_at__lte=cutoff
        )
        for document in stale.order_by("id")[:SWEEP_BATCH]:
            document.status = DocumentStatus.QUEUED
            document.save(update_fields=["status", "updated_at"])
            queue_render(kind=kind.name, document=document)
            swept += 1
    if kind.on_ready is not None and kind.on_ready_pending:
        waiting = model.objects.filter(
            status=DocumentStatus.READY, rendered_at__lte=cutoff, **kind.on_ready_pending
        ).order_by("id")[:SWEEP_BATCH]
        for document in waiting:
            _run_on_ready(kind, document)
            swept += 1
    return swept


def document_response(document: RenderedDocument) -> FileResponse:
    """A download response for a ready document (the caller has checked permissions). 404 if not ready."""
    if document.status != DocumentStatus.READY or not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=kind_for(document).filename(document), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
