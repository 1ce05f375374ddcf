"""The one upload mechanism of the project.

Files are checked by their content (not their name), limited in size, given a
clean name, stored through Django's storage API outside any public URL, and
downloaded only through `portal.views.download_attachment`, which checks the
`view` permission of the object the file belongs to.
"""

import re
import unicodedata
import zipfile

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import Attachment

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


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
    """Zero or more uploaded files, each validated by `validate_upload`."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            format_lazy(
                _("PDF, DOCX, XLSX, ODT, ODS, PNG or JPEG, at most 20 MB each. You can choose up to {count} files."),
                count=settings.MAX_UPLOAD_FILES,
            ),
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)
        self.base_help_text = self.help_text

    def get_bound_field(self, form, field_name):
        return AttachmentsBoundField(form, self, field_name)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > settings.MAX_UPLOAD_FILES:
            raise ValidationError(
                ngettext_lazy(
                    "You chose %(chosen)s files; at most %(max)s file can be sent at a time.",
                    "You chose %(chosen)s files; at most %(max)s files can be sent at a time.",
                    "max",
                )
                % {"chosen": len(files), "max": settings.MAX_UPLOAD_FILES},
                code="too_many",
            )
        errors, cleaned = [], []
        for uploaded in files:
            try:
                name, mime = validate_upload(uploaded)
            except ValidationError as error:
                errors.append(error)
            else:
                cleaned.append((uploaded, name, mime))
        # A browser cannot be given files back: when the page is shown again (this or another field has a
        # problem, or the service refused), the field says exactly which of the good files to choose again.
        if cleaned:
            again = choose_again_message([name for _uploaded, name, _mime in cleaned])
            self.help_text = format_lazy("{} {}", again, self.base_help_text) if self.base_help_text else again
            if errors:
                errors.append(ValidationError(again, code="choose_again"))
        if errors:
            raise ValidationError(errors)
        return cleaned


def choose_again_message(names: list[str]) -> str:
    """What a re-shown form says about files that were fine but are not kept: choose them again."""
    return ngettext_lazy(
        "Nothing is stored until the form is saved, so choose this file again: %(names)s.",
        "Nothing is stored until the form is saved, so choose these files again: %(names)s.",
        "count",
    ) % {"names": ", ".join(names), "count": len(names)}


@transaction.atomic
def attach_files(*, owner, files, by, purpose: str = "") -> list[Attachment]:
    """Store cleaned files (from AttachmentsField) as attachments of `owner`."""
    created = []
    content_type = ContentType.objects.get_for_model(owner)
    for uploaded, name, mime in files:
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
