from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from ..models import Attachment


def download_attachment(request, uuid):
    """Serve an attachment if the user may view the object it belongs to; 404 otherwise."""
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), uuid=uuid)
    owner = attachment.owner
    if owner is None:
        raise Http404
    meta = owner._meta
    if not request.user.has_perm(f"{meta.app_label}.view_{meta.model_name}", owner):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename, content_type=attachment.mime_type)
    response["Cache-Control"] = "private, no-store"
    return response
