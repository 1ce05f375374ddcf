from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from ..models import Attachment
from .access import PermissionView


class AttachmentDownloadView(PermissionView):
    """Serve an attachment to whoever may view the object it belongs to (its `view` rules permission); 404 to
    anyone else, visitors included (a published call's files are for everyone)."""

    login_required = False

    def get_object(self):
        attachment = get_object_or_404(Attachment.objects.select_related("content_type"), uuid=self.kwargs["uuid"])
        if attachment.owner is None:
            raise Http404
        return attachment

    @property
    def permission_required(self):
        meta = self.object.owner._meta
        return f"{meta.app_label}.view_{meta.model_name}"

    def get_permission_object(self):
        return self.object.owner

    def get(self, request, uuid):
        attachment = self.object
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.filename, content_type=attachment.mime_type
        )
        response["Cache-Control"] = "private, no-store"
        return response


download_attachment = AttachmentDownloadView.as_view()
