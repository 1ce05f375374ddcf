"""The writes of the benchmark's mixed run (benchmarks/load.py): a background client that, about once a second,
saves a company's response or registers someone for a webinar through the portal's real forms over HTTP.

Each write is what a browser does: GET the form page (with the account's session cookie, or as a visitor), read
the form out of the HTML (the CSRF token, the one-time submission token, every field as the page fills it in),
change a few fields and POST it back. So each write runs the view, the form, the service and the signals of the
server under measurement, and a refused write is a failure that the report shows.
"""

import http.client
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Buttons and file pickers are not sent as the page has them: the writer names the button it presses.
_NOT_SENT = {"submit", "button", "image", "file", "reset"}
# The summary of every response the writer saves starts so (a later run goes on with the same response).
RESPONSE_PREFIX = "Bänkens lösning"


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: dict | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self._form = {
                "action": attributes.get("action", ""),
                "method": attributes.get("method", "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            name = attributes.get("name")
            if not name or kind in _NOT_SENT or "disabled" in attributes:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._form["fields"].append((name, attributes.get("value", "on")))
                return
            self._form["fields"].append((name, attributes.get("value", "")))
        elif tag == "textarea" and attributes.get("name") and "disabled" not in attributes:
            self._textarea = attributes["name"]
            self._form["fields"].append((self._textarea, ""))
        elif tag == "select" and attributes.get("name") and "disabled" not in attributes:
            self._select = {"name": attributes["name"], "options": [], "chosen": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": attributes.get("value"), "text": "", "selected": "selected" in attributes}
            self._select["options"].append(self._option)

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [option for option in options if option["selected"]] or options[:1]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self._form["fields"].append((self._select["name"], value))
            self._select = None
        elif tag == "form":
            self._form = None


def form_fields(html: str, having: str) -> list[tuple[str, str]]:
    """The fields a browser would send from the first POST form of `html` that has a field named `having`, as
    the page fills them in (hidden inputs, text, checked boxes, selected options, textareas), buttons left out."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and any(name == having for name, _value in form["fields"]):
            return list(form["fields"])
    raise LookupError(f"no POST form with a field {having!r}")


def replace_fields(fields: list[tuple[str, str]], values: dict[str, str]) -> list[tuple[str, str]]:
    """`fields` with the value of each field named in `values` replaced (added when the form lacks it)."""
    replaced = [(name, values[name] if name in values else value) for name, value in fields]
    present = {name for name, _value in fields}
    return replaced + [(name, value) for name, value in values.items() if name not in present]


class Browser:
    """A minimal HTTP client with a cookie jar (enough for Django's session and CSRF cookies)."""

    def __init__(self, base: str, cookie: str | None = None):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}
        if cookie:
            name, _, value = cookie.partition("=")
            self.cookies[name] = value

    def request(self, method: str, path: str, fields: list[tuple[str, str]] | None = None):
        """(status, Location header, body) of one request; no redirect is followed."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()


@dataclass
class Writes:
    """What the writer did: counts per kind of write and every failure with its reason."""

    done: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        total = sum(self.done.values())
        kinds = ", ".join(f"{count} {kind}" for kind, count in self.done.items()) or "none"
        line = f"{total} writes in {self.seconds:.0f} s ({kinds}); {len(self.failed)} failed"
        if self.failed:
            shown = self.failed[:5]
            line += ":\n    " + "\n    ".join(shown)
            if len(self.failed) > len(shown):
                line += f"\n    ... and {len(self.failed) - len(shown)} more"
        return line


class Writer(threading.Thread):
    """About one write a second (`interval`), taking turns: the company's response saved (submitted, then saved
    again and kept submitted) on `response_call`, and a registration with a new e-mail address for one of
    `webinars` (in turn) through the public registration form."""

    def __init__(self, base: str, company_cookie: str, response_call: int, webinars: list[int], interval=1.0):
        super().__init__(daemon=True)
        self.base, self.company_cookie = base, company_cookie
        self.response_call, self.webinars, self.interval = response_call, webinars, interval
        self.writes = Writes()
        self._halt = threading.Event()
        self._run_id = uuid.uuid4().hex[:8]

    def stop(self) -> Writes:
        self._halt.set()
        self.join(timeout=60)
        return self.writes

    def run(self):
        started = time.monotonic()
        turn = 0
        while not self._halt.is_set():
            write = self.save_response if turn % 2 == 0 else self.register
            kind = "response saves" if turn % 2 == 0 else "webinar registrations"
            try:
                problem = write(turn)
            except Exception as error:  # noqa: BLE001 - a failed write is reported, never hidden
                problem = f"{type(error).__name__}: {error}"
            if problem:
                self.writes.failed.append(f"{kind[:-1]} #{turn}: {problem}")
            else:
                self.writes.done[kind] = self.writes.done.get(kind, 0) + 1
            turn += 1
            self._halt.wait(max(0.0, started + turn * self.interval - time.monotonic()))
        self.writes.seconds = time.monotonic() - started

    def save_response(self, turn: int) -> str:
        """The response form of the call, as the company's member fills it in: "" when saved, else why not."""
        browser = Browser(self.base, self.company_cookie)
        path = f"/calls/{self.response_call}/respond/"
        status, location, html = browser.request("GET", path)
        if status != 200:
            return f"GET {path} answered {status} {location}"
        fields = form_fields(html, "summary")
        values = {
            "summary": f"{RESPONSE_PREFIX}, version {self._run_id}-{turn}",
            "description": "Vi erbjuder en beprövad lösning som kan testas i er verksamhet under ett år.",
            "references": "Tre kommuner har använt lösningen sedan 2024.",
        }
        current = dict(fields)
        if not current.get("trl"):
            values["trl"] = "6"
        if not current.get("price_indication"):
            values["price_indication"] = "250000"
        fields = replace_fields(fields, values) + [("submit", "1")]
        status, location, html = browser.request("POST", path, fields)
        if status == 302 and "/responses/" in location:
            return ""
        return f"POST {path} answered {status} {location} {_first_error(html)}".strip()

    def register(self, turn: int) -> str:
        """The public registration form of a webinar, as a visitor fills it in: "" when registered, else why not."""
        browser = Browser(self.base)
        webinar = self.webinars[(turn // 2) % len(self.webinars)]
        path = f"/webinars/{webinar}/"
        status, location, html = browser.request("GET", path)
        if status != 200:
            return f"GET {path} answered {status} {location}"
        fields = replace_fields(
            form_fields(html, "email"),
            {
                "name": "Bänk Deltagare",
                "email": f"mixed-{self._run_id}-{turn}@bench.test",
                "organisation": "Bänkens kommun",
                "consent": "on",
            },
        )
        status, location, html = browser.request("POST", path, fields)
        if status == 302:
            return ""
        return f"POST {path} answered {status} {location} {_first_error(html)}".strip()


def _first_error(html: str) -> str:
    """The first form error of a page the portal answered with (to say why a write was refused)."""
    for marker in ('class="errorlist', 'role="alert"', "<title>"):
        index = html.find(marker)
        if index >= 0:
            snippet = html[index : index + 300]
            text = " ".join(_strip_tags(snippet).split())
            return text[:160]
    return ""


def _strip_tags(html: str) -> str:
    parts, inside = [], False
    for char in html:
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
            parts.append(" ")
        elif not inside:
            parts.append(char)
    return "".join(parts)
