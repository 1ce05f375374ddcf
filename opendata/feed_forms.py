"""The public calendar feed's query: the call catalogue's filters (projects.forms.CallFilterForm, the same names
and values as on /calls/), plus which kinds of events and the language. Unlike the catalogue, which ignores a
value it does not know so that a stale link still shows a page, a feed answers an unknown parameter or value
with 400: a calendar program shows no page, and a typing error would otherwise subscribe to everything."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from projects import selectors as project_selectors
from projects.forms import CallFilterForm

CALLS, WEBINARS = "calls", "webinars"


class CalendarFilterForm(CallFilterForm):
    include = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        choices=[(CALLS, _("Calls to the market")), (WEBINARS, _("Webinars"))],
    )
    lang = forms.ChoiceField(label=_("Language"), required=False, choices=settings.LANGUAGES)

    # The catalogue's ordering and state are not filters of a feed: it holds every state, in time order.
    NOT_IN_FEED = ("sort", "state")

    def __init__(self, data=None, **kwargs):
        super().__init__(data, organisations=project_selectors.publishers(), **kwargs)
        for name in self.NOT_IN_FEED:
            del self.fields[name]

    def unknown_parameters(self) -> list[str]:
        return sorted(name for name in (self.data or {}) if name not in self.fields)

    def problems(self) -> list[str]:
        """What is wrong with the query, one sentence each, for the plain-text 400 answer (empty when valid)."""
        lines = [gettext("Unknown parameter: %(name)s.") % {"name": name[:40]} for name in self.unknown_parameters()]
        if not self.is_valid():
            for name, errors in self.errors.items():
                lines += [f"{name}: {error}" for error in errors]
        return lines

    def kinds(self) -> set[str]:
        """The kinds of events asked for: both when `include` is not given."""
        return set(self.cleaned_data.get("include") or (CALLS, WEBINARS))

    def call_filters(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name not in ("include", "lang")}
