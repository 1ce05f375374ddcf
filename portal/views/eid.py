"""The page that links an e-legitimation to an existing account once the person gives the account's password.

The sign-in waits in the session (portal/eid.py, `ask_to_link`) without the personal identity number. Nothing is
linked until the password is right; wrong passwords count against the same limits as failed sign-ins.
"""

from allauth.core.internal import ratelimit
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from .. import eid

# Wrong passwords per client address and per account, like failed sign-ins (settings.ACCOUNT_RATE_LIMITS).
LINK_LIMITS = {"eid_link_failed": "10/m/ip,5/5m/key", "eid_link_code": "3/10m/key"}


class LinkForm(forms.Form):
    password = forms.CharField(
        label=_("The account's password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code from the e-mail"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class LinkView(View):
    template_name = "socialaccount/eid_link.html"

    def dispatch(self, request, *args, **kwargs):
        pending = eid.pending_link(request)
        if pending is None:
            messages.info(request, _("There is no e-legitimation waiting to be linked. Sign in again."))
            return redirect("account_login")
        self.sociallogin, self.owner = pending
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form=None, code_form=None, status=200):
        context = {
            "form": form or LinkForm(),
            "code_form": code_form or CodeForm(),
            "code_sent": eid.link_code_sent(self.request),
            "email": self.owner.email,
            "has_password": self.owner.has_usable_password(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_form()

    def post(self, request):
        action = request.POST.get("action", "password")
        if action == "cancel":
            eid.drop_pending_link(request)
            messages.info(request, _("The e-legitimation was not linked to any account."))
            return redirect("account_login")
        if action == "send_code":
            # At most three codes per account in ten minutes: the mails go to someone who may not have asked.
            if ratelimit.consume(
                request, app="allauth.account", action="eid_link_code", config=LINK_LIMITS, key=f"{self.owner.pk}"
            ):
                eid.send_link_code(request, owner=self.owner)
                messages.info(request, _("We have sent a code to the account's e-mail address."))
            else:
                messages.error(request, _("Too many codes asked for. Wait ten minutes and ask again."))
            return redirect("portal:eid_link")
        if action == "code":
            return self.post_code(request)
        return self.post_password(request)

    def post_code(self, request):
        code_form = CodeForm(request.POST)
        if not code_form.is_valid():
            return self.render_form(code_form=code_form, status=400)
        if not eid.check_link_code(request, code_form.cleaned_data["code"]):
            eid.refuse_link(owner=self.owner)
            code_form.add_error(
                "code", _("The code is wrong or too old. The e-legitimation has not been linked; ask for a new code.")
            )
            return self.render_form(code_form=code_form, status=400)
        return eid.complete_link(request, sociallogin=self.sociallogin, owner=self.owner)

    def post_password(self, request):
        form = LinkForm(request.POST)
        if not form.is_valid():
            return self.render_form(form=form, status=400)
        key = f"eid-link:{self.owner.pk}"
        if not ratelimit.consume(
            request, app="allauth.account", action="eid_link_failed", config=LINK_LIMITS, key=key, dry_run=True
        ):
            eid.drop_pending_link(request)
            messages.error(request, _("Too many wrong passwords. Wait a few minutes and sign in again."))
            return redirect("account_login")
        if not self.owner.check_password(form.cleaned_data["password"]):
            ratelimit.consume(request, app="allauth.account", action="eid_link_failed", config=LINK_LIMITS, key=key)
            eid.refuse_link(owner=self.owner)
            form.add_error("password", _("The password is wrong. The e-legitimation has not been linked."))
            return self.render_form(form=form, status=400)
        return eid.complete_link(request, sociallogin=self.sociallogin, owner=self.owner)
