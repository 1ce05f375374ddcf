"""Structured logs: one JSON object per line, each carrying the request it belongs to.

`RequestLogMiddleware` (first in MIDDLEWARE) gives every request an id (the
client's or a proxy's X-Request-ID when it is a plain token, else a fresh
uuid4), keeps the request in a context variable so that every log line written
while it is handled names it, returns the id in the `X-Request-ID` response
header and logs one line per request.

What never reaches a log line: query strings (only `request.path` is logged),
POST bodies, cookies and headers. Messages written by other code (Django's own
"Not Found: ..." lines, runserver's access lines) are passed through `redact`,
which blanks the values of key=value pairs whose key names a secret.
"""

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError
from django.utils.functional import empty

logger = logging.getLogger("portal.request")

_current_request = contextvars.ContextVar("portal_request", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")
_SECRET_PAIR = re.compile(
    r"(?i)\b([\w.-]*(?:token|key|password|passwd|secret|code|signature|sig|session|csrf)[\w.-]*)=([^&\s\"']+)"
)


def redact(text: str) -> str:
    """Blank the value of every key=value pair whose key looks like a secret (token, key, password, code …)."""
    return _SECRET_PAIR.sub(r"\1=[redacted]", text)


def request_id_from(header: str | None) -> str:
    """The incoming request id if it is a plain token of 8–128 characters, else a new one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _user_id(request, *, evaluate: bool = False):
    """The signed-in user's id; without `evaluate`, only if the lazy user was already loaded (no query)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        if not evaluate:
            return None
        wrapped = user  # evaluates the lazy object (reads the session)
    try:
        return wrapped.pk if getattr(wrapped, "is_authenticated", False) else None
    except DatabaseError:  # the database is down: the line is still written, without the user
        return None


def current_context() -> dict:
    """The request fields for a log line written now (empty outside a request)."""
    request = _current_request.get()
    if request is None:
        return {}
    return {
        "request_id": getattr(request, "request_id", None),
        "user_id": _user_id(request),
        "method": request.method,
        "path": request.path,
    }


def _task_fields() -> dict:
    """The Celery task a log line is written in (the worker's lines carry its id and name)."""
    from celery import current_task

    if not current_task or current_task.request.id is None:
        return {}
    return {"task_id": current_task.request.id, "task_name": current_task.name}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields, exception text."""

    FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        context = current_context()
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is None:
                value = context.get(field)
            entry[field] = value
        entry.update(_task_fields())
        if record.exc_info:
            entry["exception"] = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for local work (LOG_FORMAT=text), with the request id when there is one."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(request_tag)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_context().get("request_id")
        record.request_tag = f"[{request_id[:12]}] " if request_id else ""
        record.msg, record.args = redact(record.getMessage()), None
        return super().format(record)


class RequestLogMiddleware:
    """Request id in, `X-Request-ID` out, one log line per request (method, path without query, status, time)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        _current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except BaseException:
            _current_request.set(None)
            raise
        # Django logs 4xx responses after the whole middleware chain has returned, so the request stays
        # current until the response is closed (the next request in this thread replaces it anyway).
        response._resource_closers.append(lambda: _current_request.set(None))
        response[REQUEST_ID_HEADER] = request.request_id
        status = response.status_code
        # A visitor without a session cookie is anonymous; with one, read it (the view usually has already).
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": _user_id(request, evaluate=has_session),
            },
        )
        return response
