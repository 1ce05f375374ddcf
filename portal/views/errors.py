from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # Rendered without the request context: the failure may lie in a context processor.
    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))


def request_too_large(request):
    # Also the page deploy/nginx.conf shows when it refuses a body itself (error_page 413).
    from portal.middleware import request_too_large_response

    return request_too_large_response(request)
