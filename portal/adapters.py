from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # New accounts get mail in the language they signed up in.
        user.language = translation.get_language() or "sv"
        return super().save_user(request, user, form, commit=commit)
