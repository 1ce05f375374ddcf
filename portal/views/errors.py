from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from .access import PermissionView

# handler403 / handler404 / handler500 (portal/urls.py): Django calls these functions itself when a view fails,
# after access was decided; they are not views a URL leads to.


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # Rendered without the request context: the failure may lie in a context processor.
    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))


class RequestTooLargeView(PermissionView):
    """Also the page deploy/nginx.conf shows when it refuses a body itself (error_page 413), for any method."""

    login_required = False

    def get(self, request):
        from portal.middleware import request_too_large_response

        return request_too_large_response(request)

    post = put = patch = delete = get


request_too_large = RequestTooLargeView.as_view()
