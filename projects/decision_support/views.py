from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal.documents import document_response
from portal.services import ServiceError
from portal.views.access import PermissionView, message_error

from . import selectors, services


def safe_return_to(request, value: str | None, default: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return default


class NeedDocumentView(PermissionView):
    """A need's documents; only members of the need's organisation (anyone else: 404)."""

    permission_required = "projects.view_decision_documents"

    def get_object(self):
        return selectors.get_need_for_documents(self.request.user, self.kwargs["pk"])


class DocumentView(PermissionView):
    """One document of a need of the user's organisation (anyone else: 404)."""

    permission_required = "projects.view_decisiondocument"

    def get_object(self):
        return selectors.get_decision_document_for(self.request.user, self.kwargs["pk"])


class NeedDocumentsView(NeedDocumentView, TemplateView):
    """All decision-support documents of a need, with the order button (works without JavaScript)."""

    template_name = "documents/need_documents.html"

    def get_context_data(self, **kwargs):
        need = self.object
        return super().get_context_data(need=need, documents=list(selectors.documents_of(need)), **kwargs)


class OrderDocumentView(NeedDocumentView):
    http_method_names = ["post"]
    permission_required = "projects.order_decision_document"

    def post(self, request, pk):
        need = self.object
        language = request.POST.get("language") or get_language()
        document, created = services.order_decision_document(need=need, by=request.user, language=language)
        if created:
            messages.success(
                request,
                _("Version %(version)s of the decision support is ordered. It is usually ready within a minute.")
                % {"version": document.version},
            )
        elif document.is_ready:
            messages.info(
                request,
                _("Nothing has changed since version %(version)s, which is ready to download.")
                % {"version": document.version},
            )
        else:
            messages.info(
                request,
                _("Version %(version)s is already being produced for the same data.") % {"version": document.version},
            )
        default = reverse("documents:need_documents", kwargs={"pk": need.pk})
        return HttpResponseRedirect(safe_return_to(request, request.POST.get("next"), default) + "#decision-documents")


class DocumentStatusView(DocumentView, TemplateView):
    """One document's status: a page, or JSON for the panel's polling script (?format=json)."""

    template_name = "documents/document_status.html"

    def get(self, request, *args, **kwargs):
        document = self.object
        if request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", ""):
            return self.json(document)
        return self.render_to_response(self.get_context_data(document=document, need=document.need))

    def json(self, document):
        need = document.need
        return_to = safe_return_to(
            self.request,
            self.request.GET.get("return_to"),
            reverse("documents:need_documents", kwargs={"pk": need.pk}),
        )
        context = {"need": need, "return_to": return_to, "request": self.request}
        panel = selectors.documents_panel(need)
        context.update(panel)
        response = JsonResponse(
            {
                "id": document.pk,
                "version": document.version,
                "status": document.status,
                "status_label": str(document.get_status_display()),
                "done": not document.is_pending,
                "latest_id": panel["latest"].pk if panel["latest"] else None,
                "status_html": render_to_string("documents/_status.html", context, request=self.request),
                "list_html": render_to_string("documents/_ready_list.html", context, request=self.request),
            }
        )
        response["Cache-Control"] = "no-store"
        return response


class RetryDocumentView(DocumentView):
    http_method_names = ["post"]
    permission_required = "projects.retry_decisiondocument"

    def post(self, request, pk):
        document = self.object
        default = reverse("documents:status", kwargs={"pk": document.pk})
        return_to = safe_return_to(request, request.POST.get("next"), default)
        try:
            services.retry_decision_document(document=document, by=request.user)
        except ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The document is queued again."))
        return HttpResponseRedirect(return_to)


class DownloadDocumentView(DocumentView):
    def get(self, request, pk):
        return document_response(self.object)
