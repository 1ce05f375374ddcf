"""Factories shared by all apps' tests. No surprises: each makes exactly what its name says."""

import itertools

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group

from portal.models import Membership, Organisation, User
from portal.orgnr import luhn_ok
from portal.rules import HANDLERS_GROUP, PORTAL_ADMINS_GROUP

_org_numbers = itertools.count(1)


def next_org_number(prefix: str = "5560") -> str:
    """A fresh valid organisation number (Luhn-correct, digits 3–4 ≥ 20)."""
    body = f"{prefix}{next(_org_numbers):05d}"
    for check in range(10):
        if luhn_ok(body + str(check)):
            digits = body + str(check)
            return f"{digits[:6]}-{digits[6:]}"
    raise AssertionError("unreachable")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified primary email address; `groups=[name, …]` puts them in groups."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    language = "sv"
    password = factory.django.Password("test-password-123")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    groups = factory.PostGeneration(lambda user, create, extracted, **kwargs: _add_groups(user, create, extracted))


def _add_groups(user, create, names) -> None:
    if create and names:
        user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in names))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.PUBLIC_BODY
    name = factory.Sequence(lambda n: f"Organisation {n}")
    org_number = factory.LazyAttribute(
        lambda o: next_org_number("2120" if o.kind == Organisation.Kind.PUBLIC_BODY else "5560")
    )
    status = Organisation.Status.VERIFIED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.OWNER


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """A TOTP second factor (its secret is never checked in tests: sessions are signed in with force_login)."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(lambda: {"secret": "unused-in-tests"})


class MemberFactory(UserFactory):
    """A user with one membership: `role` (owner) in `organisation`, or in a new one of `kind` and `status`."""

    class Params:
        kind = Organisation.Kind.PUBLIC_BODY
        status = Organisation.Status.VERIFIED
        role = Membership.Role.OWNER
        organisation = None

    membership = factory.RelatedFactory(
        MembershipFactory,
        factory_related_name="user",
        role=factory.SelfAttribute("..role"),
        organisation=factory.LazyAttribute(
            lambda o: (
                o.factory_parent.organisation
                or OrganisationFactory(kind=o.factory_parent.kind, status=o.factory_parent.status)
            )
        ),
    )


class BuyerFactory(MemberFactory):
    """A member of a (new, verified) public body."""

    class Params:
        kind = Organisation.Kind.PUBLIC_BODY


class CompanyUserFactory(MemberFactory):
    """A member of a (new, verified) company."""

    class Params:
        kind = Organisation.Kind.COMPANY


class HandlerFactory(UserFactory):
    """A handler (the agency's staff who handle applications), with a second factor unless `mfa=False`."""

    class Params:
        mfa = True

    groups = factory.PostGeneration(
        lambda user, create, extracted, **kwargs: _add_groups(user, create, [HANDLERS_GROUP])
    )

    second_factor = factory.Maybe("mfa", factory.RelatedFactory(AuthenticatorFactory, factory_related_name="user"))


class PortalAdminFactory(HandlerFactory):
    """A portal admin (staff), with a second factor unless `mfa=False`."""

    is_staff = True
    groups = factory.PostGeneration(
        lambda user, create, extracted, **kwargs: _add_groups(user, create, [PORTAL_ADMINS_GROUP])
    )


# The names most tests use (kept so that tests written elsewhere in parallel still merge).
make_member = MemberFactory
make_buyer = BuyerFactory
make_company_user = CompanyUserFactory
make_handler = HandlerFactory
make_portal_admin = PortalAdminFactory


def give_mfa(user: User) -> None:
    AuthenticatorFactory(user=user)


def organisation_of(user: User) -> Organisation:
    return user.memberships.select_related("organisation").first().organisation
