"""The one upload mechanism of the project.

Files are checked by their content (not their name), limited in size, given a
clean name, stored through Django's storage API outside any public URL, and
downloaded only through `portal.views.download_attachment`, which checks the
`view` permission of the object the file belongs to.

A browser cannot be given chosen files back, so a signed-in user's valid files
are kept (`HeldUpload`) as soon as the form is cleaned: when the form is shown
again (another file or field has an error, or the service refused) it lists
them with signed ids, and the next POST brings them back without choosing them
again. Saving the form turns them into attachments (`attach_files`); beat
deletes those never claimed after `HELD_UPLOAD_TTL`.
"""

import hashlib
import re
import unicodedata
import zipfile
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import Attachment, HeldUpload
from .services import ServiceError

ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}
EXTENSION_ALIASES = {"jpeg": "jpg"}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in [*ALLOWED_TYPES, "jpeg"])


def detect_type(head: bytes, fileobj) -> str | None:
    """The extension (a key of ALLOWED_TYPES) that the content shows, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        fileobj.seek(0)
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    for ext in ("odt", "ods"):
                        if mimetype == ALLOWED_TYPES[ext]:
                            return ext
                if "[Content_Types].xml" in names:
                    if "word/document.xml" in names:
                        return "docx"
                    if "xl/workbook.xml" in names:
                        return "xlsx"
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
    return None


def clean_filename(name: str, extension: str) -> str:
    """A safe file name: no path, no control or odd characters, the detected extension."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = unicodedata.normalize("NFC", stem)
    stem = re.sub(r"[^\w\-. åäöÅÄÖ]", "_", stem).strip(" ._")[:100] or "fil"
    return f"{stem}.{extension}"


def validate_upload(uploaded) -> tuple[str, str]:
    """Return (clean file name, MIME type) or raise ValidationError with a message for the user."""
    if uploaded.size == 0:
        raise ValidationError(_("The file %(name)s is empty.") % {"name": uploaded.name}, code="empty")
    if uploaded.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("The file %(name)s is %(size)s; the largest allowed is %(max)s.")
            % {
                "name": uploaded.name,
                "size": filesizeformat(uploaded.size),
                "max": filesizeformat(settings.MAX_UPLOAD_SIZE),
            },
            code="too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    detected = detect_type(head, uploaded)
    uploaded.seek(0)
    if detected is None:
        raise ValidationError(
            _("The file %(name)s is not of an allowed type (PDF, DOCX, XLSX, ODT, ODS, PNG or JPEG).")
            % {"name": uploaded.name},
            code="type",
        )
    claimed = uploaded.name.rsplit(".", 1)[-1].lower() if "." in uploaded.name else ""
    claimed = EXTENSION_ALIASES.get(claimed, claimed)
    if claimed and claimed != detected:
        raise ValidationError(
            _("The file %(name)s is named as %(claimed)s but its content is %(detected)s.")
            % {"name": uploaded.name, "claimed": claimed.upper(), "detected": detected.upper()},
            code="mismatch",
        )
    return clean_filename(uploaded.name, detected), ALLOWED_TYPES[detected]


# How long a kept file waits for its form to be saved; beat deletes it after that (`discard_expired_uploads`).
HELD_UPLOAD_TTL = timedelta(hours=24)
# At most this many files are kept for one user at a time (forms abandoned in several tabs): beyond it a valid
# file is not kept, and the form asks to choose it again as for a visitor.
HELD_UPLOADS_PER_USER = 4 * settings.MAX_UPLOAD_FILES
_SIGNING_SALT = "portal.files.held-upload"


def _salt(user) -> str:
    return f"{_SIGNING_SALT}:{user.pk}"


def sign_held(held: HeldUpload, user) -> str:
    """The signed id of a kept file as the re-shown form carries it: valid only for `user`, for `HELD_UPLOAD_TTL`."""
    return signing.dumps(str(held.uuid), salt=_salt(user), compress=False)


def _unsign(tokens, user) -> list[str]:
    """The kept files' uuids that `tokens` name for `user`, in order; a token for another user, a tampered or an
    expired one is left out (never an error: the file is then simply not kept)."""
    uuids = []
    for token in tokens:
        try:
            value = signing.loads(token, salt=_salt(user), max_age=HELD_UPLOAD_TTL)
        except signing.BadSignature:  # SignatureExpired is a BadSignature
            continue
        if isinstance(value, str) and value not in uuids:
            uuids.append(value)
    return uuids


def _live_held(user):
    return HeldUpload.objects.filter(uploaded_by=user, created_at__gte=timezone.now() - HELD_UPLOAD_TTL)


def claim_held(*, tokens, user) -> list[HeldUpload]:
    """The kept files of `user` named by signed `tokens`, in their order (unknown, foreign or expired ones left
    out). Reads only: the rows stay until `attach_files` turns them into attachments."""
    uuids = _unsign(tokens, user)
    if not uuids:
        return []
    found = {str(held.uuid): held for held in _live_held(user).filter(uuid__in=uuids)}
    return [found[value] for value in uuids if value in found]


def _delete_stored(rows) -> int:
    """Delete kept-file rows; `remove_file_of_deleted_row` deletes their stored files once that is committed."""
    rows = list(rows)
    if not rows:
        return 0
    HeldUpload.objects.filter(pk__in=[held.pk for held in rows]).delete()
    return len(rows)


def remove_file_of_deleted_row(sender, instance: HeldUpload, **kwargs) -> None:
    """post_delete of a kept file (removed, expired, or its user's account deleted): its stored file goes after
    commit, unless the row went because the file became an attachment (`_attach_held` marks it `claimed`)."""
    if getattr(instance, "claimed", False) or not instance.file.name:
        return
    storage, name = instance.file.storage, instance.file.name
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def connect_signals() -> None:
    """Called by PortalConfig.ready()."""
    post_delete.connect(remove_file_of_deleted_row, sender=HeldUpload, dispatch_uid="portal.files.held-upload-file")


def discard_held(*, tokens, user) -> int:
    """Remove the kept files of `user` named by signed `tokens` (the form's remove boxes). Side effects: deletes
    the rows and, after commit, their files; tokens of another user, tampered or expired ones do nothing."""
    uuids = _unsign(tokens, user)
    if not uuids:
        return 0
    return _delete_stored(HeldUpload.objects.filter(uploaded_by=user, uuid__in=uuids))


def hold_upload(*, uploaded, name: str, mime: str, user) -> HeldUpload:
    """Keep a valid uploaded file for `user` until its form is saved. Side effects: stores the file and a row."""
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    held = HeldUpload(
        filename=name,
        original_name=(uploaded.name or name)[:255],
        mime_type=mime,
        size=uploaded.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    held.file.save(name, uploaded, save=False)
    held.save()
    return held


@transaction.atomic
def discard_expired_uploads(*, older_than: timedelta = HELD_UPLOAD_TTL) -> int:
    """Delete kept files older than `older_than` (their form was never saved). Returns how many.

    Side effects: deletes the rows and, after commit, their stored files. Rows being claimed right now (locked
    by a saving form) are left for the next run; running it twice deletes nothing more."""
    old = HeldUpload.objects.select_for_update(skip_locked=True).filter(created_at__lt=timezone.now() - older_than)
    return _delete_stored(old)


class MultipleFileInput(forms.ClearableFileInput):
    """Chooses several files, and lists the files kept from an earlier try (each with a hidden signed id and a
    remove box labelled with the file's name)."""

    allow_multiple_selected = True
    template_name = "portal/widgets/attachments.html"

    def format_value(self, value):
        return None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        kept = value if isinstance(value, KeptFiles) else KeptFiles()
        context["widget"]["kept"] = kept
        context["widget"]["kept_label"] = kept.label
        if kept:
            # The file input is described by the list of kept files too, so a screen reader names them there.
            widget_attrs = context["widget"]["attrs"]
            kept_id = f"{widget_attrs.get('id') or name}_kept"
            described = widget_attrs.get("aria-describedby", "")
            widget_attrs["aria-describedby"] = f"{described} {kept_id}".strip()
        return context

    def use_required_attribute(self, initial):
        return False


class KeptFileInput(MultipleFileInput):
    """One file (a replacement), with the file kept from an earlier try listed like MultipleFileInput's."""

    allow_multiple_selected = False


class KeptFiles(list):
    """The files a re-shown form keeps (HeldUpload rows, each with its `token`), and the field's label."""

    label = ""
    checked = False  # whether the rows were looked up again before showing them


class AttachmentsBoundField(forms.BoundField):
    """Reads the field's help text when rendered: cleaning adds which files to choose again (after the bound
    field was made)."""

    @property
    def help_text(self):
        return self.field.help_text or ""

    @help_text.setter
    def help_text(self, value):
        pass


class AttachmentsField(forms.FileField):
    """Zero or more uploaded files, each validated by `validate_upload`.

    On a form with an `uploader` (`KeepUploadsMixin`, a signed-in user), valid files are kept as `HeldUpload`
    rows and the cleaned value is the list of them (the files kept from earlier tries, less those removed, then
    the new ones); without one (a visitor) it is a list of `(upload, clean name, MIME type)`. Both go to
    `attach_files`. The count limit counts kept and new files together."""

    widget = MultipleFileInput

    def __init__(self, *args, max_files: int | None = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            format_lazy(
                _("PDF, DOCX, XLSX, ODT, ODS, PNG or JPEG, at most 20 MB each. You can choose up to {count} files."),
                count=settings.MAX_UPLOAD_FILES,
            ),
        )
        self.max_files = max_files or settings.MAX_UPLOAD_FILES
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)
        self.base_help_text = self.help_text
        self.uploader = None
        self.kept_tokens: list[str] = []
        self.removed_tokens: list[str] = []
        self.kept = KeptFiles()

    def get_bound_field(self, form, field_name):
        return AttachmentsBoundField(form, self, field_name)

    def _clean_bound_field(self, bf):
        user = getattr(bf.form, "uploader", None)
        self.uploader = user if getattr(user, "is_authenticated", False) else None
        data = bf.form.data
        getlist = getattr(data, "getlist", None)
        self.kept_tokens = list(getlist(f"{bf.html_name}-held")) if getlist else []
        self.removed_tokens = list(getlist(f"{bf.html_name}-remove")) if getlist else []
        return super()._clean_bound_field(bf)

    def bound_data(self, data, initial):
        """What the widget shows on a re-shown form: the kept files (less any saved meanwhile from another tab)."""
        if self.kept and not getattr(self.kept, "checked", False):
            alive = set(HeldUpload.objects.filter(pk__in=[held.pk for held in self.kept]).values_list("pk", flat=True))
            kept = KeptFiles(held for held in self.kept if held.pk in alive)
            kept.label, kept.checked = self.kept.label, True
            self.kept = kept
        return self.kept

    def _keep(self, held: list[HeldUpload]) -> None:
        kept = KeptFiles(held)
        kept.label = self.label or ""
        for item in kept:
            item.token = sign_held(item, self.uploader)
        self.kept = kept

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        user = self.uploader
        held: list[HeldUpload] = []
        if user is not None:
            removed = set(_unsign(self.removed_tokens, user))
            if removed:
                discard_held(tokens=self.removed_tokens, user=user)
            held = [item for item in claim_held(tokens=self.kept_tokens, user=user) if str(item.uuid) not in removed]
            self._keep(held)
        if self.max_files == 1 and files and held:
            # One file only (a replacement): a file chosen now takes the place of the one kept before.
            discard_held(tokens=self.kept_tokens, user=user)
            held = []
            self._keep(held)
        if self.required and not files and not held:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) + len(held) > self.max_files:
            if held:
                message = ngettext_lazy(
                    "You chose %(chosen)s files beside the %(kept)s kept; at most %(max)s file can be sent at a time.",
                    "You chose %(chosen)s files beside the %(kept)s kept; at most %(max)s files can be sent at a time.",
                    "max",
                ) % {"chosen": len(files), "kept": len(held), "max": self.max_files}
            else:
                message = ngettext_lazy(
                    "You chose %(chosen)s files; at most %(max)s file can be sent at a time.",
                    "You chose %(chosen)s files; at most %(max)s files can be sent at a time.",
                    "max",
                ) % {"chosen": len(files), "max": self.max_files}
            raise ValidationError(message, code="too_many")
        errors, cleaned = [], []
        for uploaded in files:
            try:
                name, mime = validate_upload(uploaded)
            except ValidationError as error:
                errors.append(error)
            else:
                cleaned.append((uploaded, name, mime))
        not_kept = cleaned
        if user is not None and cleaned:
            room = max(HELD_UPLOADS_PER_USER - HeldUpload.objects.filter(uploaded_by=user).count(), 0)
            new = [hold_upload(uploaded=up, name=name, mime=mime, user=user) for up, name, mime in cleaned[:room]]
            not_kept = cleaned[room:]
            held = [*held, *new]
            self._keep(held)
        # Files not kept (a visitor's, or past the per-user limit): when the page is shown again (this or another
        # field has a problem, or the service refused), the field says exactly which to choose again.
        self.help_text = self.base_help_text
        if not_kept:
            again = choose_again_message([name for _uploaded, name, _mime in not_kept])
            self.help_text = format_lazy("{} {}", again, self.base_help_text) if self.base_help_text else again
            if errors:
                errors.append(ValidationError(again, code="choose_again"))
        if errors:
            raise ValidationError(errors)
        return [*held, *not_kept] if user is not None else cleaned


class KeepUploadsMixin:
    """For a form with an `AttachmentsField`: `uploader=request.user` keeps its valid files across a re-shown
    form (see `AttachmentsField`). Without it (or for a visitor) the form asks to choose them again."""

    def __init__(self, *args, uploader=None, **kwargs):
        self.uploader = uploader
        super().__init__(*args, **kwargs)


def choose_again_message(names: list[str]) -> str:
    """What a re-shown form says about files that were fine but are not kept: choose them again."""
    return ngettext_lazy(
        "Nothing is stored until the form is saved, so choose this file again: %(names)s.",
        "Nothing is stored until the form is saved, so choose these files again: %(names)s.",
        "count",
    ) % {"names": ", ".join(names), "count": len(names)}


def _attach_held(*, held: HeldUpload, content_type, owner, purpose: str, by) -> Attachment:
    """Turn a kept file into an attachment of the same stored file; the kept row goes (in the caller's
    transaction: if it rolls back, the file is kept as before)."""
    locked = (
        HeldUpload.objects.select_for_update()
        .filter(pk=held.pk, uploaded_by=by if getattr(by, "is_authenticated", False) else None)
        .first()
    )
    if locked is None:
        raise ServiceError(
            _("The file %(name)s is no longer kept (saved with another form, removed or expired): choose it again.")
            % {"name": held.filename},
            field="attachments",
        )
    attachment = Attachment.objects.create(
        uuid=locked.uuid,
        content_type=content_type,
        object_id=str(owner.pk),
        purpose=purpose,
        file=locked.file.name,
        filename=locked.filename,
        mime_type=locked.mime_type,
        size=locked.size,
        uploaded_by=by,
    )
    locked.claimed = True  # the row only: the stored file is now the attachment's
    locked.delete()
    return attachment


@transaction.atomic
def attach_files(*, owner, files, by, purpose: str = "") -> list[Attachment]:
    """Store cleaned files (from AttachmentsField) as attachments of `owner`: kept files (`HeldUpload` of `by`)
    become attachments of their stored file and their rows go; new uploads are stored. Raises ServiceError when a
    kept file was meanwhile saved elsewhere, removed or expired."""
    created = []
    content_type = ContentType.objects.get_for_model(owner)
    for item in files:
        if isinstance(item, HeldUpload):
            created.append(_attach_held(held=item, content_type=content_type, owner=owner, purpose=purpose, by=by))
            continue
        uploaded, name, mime = item
        uploaded.seek(0)
        attachment = Attachment(
            content_type=content_type,
            object_id=str(owner.pk),
            purpose=purpose,
            filename=name,
            mime_type=mime,
            size=uploaded.size,
            uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        )
        attachment.file.save(name, uploaded, save=False)
        attachment.save()
        created.append(attachment)
    return created


def attach_bytes(*, owner, content: bytes, filename: str, by=None, purpose: str = "") -> Attachment:
    """Store generated content (for example a PDF made by the portal) as an attachment."""
    from django.core.files.base import ContentFile

    extension = filename.rsplit(".", 1)[-1].lower()
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(owner),
        object_id=str(owner.pk),
        purpose=purpose,
        filename=filename,
        mime_type=ALLOWED_TYPES.get(extension, "application/octet-stream"),
        size=len(content),
        uploaded_by=by,
    )
    attachment.file.save(filename, ContentFile(content), save=False)
    attachment.save()
    return attachment


def attachments_for(owner, purpose: str | None = None):
    queryset = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(owner), object_id=str(owner.pk))
    if purpose is not None:
        queryset = queryset.filter(purpose=purpose)
    return queryset


def delete_attachment(*, attachment: Attachment) -> None:
    attachment.file.delete(save=False)
    attachment.delete()
