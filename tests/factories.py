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


def make_member(
    *,
    kind=Organisation.Kind.PUBLIC_BODY,
    status=Organisation.Status.VERIFIED,
    role="owner",
    organisation=None,
    **user_kwargs,
) -> User:
    organisation = organisation or OrganisationFactory(kind=kind, status=status)
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def make_buyer(**kwargs) -> User:
    return make_member(kind=Organisation.Kind.PUBLIC_BODY, **kwargs)


def make_company_user(**kwargs) -> User:
    return make_member(kind=Organisation.Kind.COMPANY, **kwargs)


def give_mfa(user: User) -> None:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "unused-in-tests"})


def make_handler(*, mfa: bool = True, **kwargs) -> User:
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=HANDLERS_GROUP)[0])
    if mfa:
        give_mfa(user)
    return user


def make_portal_admin(*, mfa: bool = True, **kwargs) -> User:
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=PORTAL_ADMINS_GROUP)[0])
    if mfa:
        give_mfa(user)
    return user


def organisation_of(user: User) -> Organisation:
    return user.memberships.select_related("organisation").first().organisation
