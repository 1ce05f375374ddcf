"""Demo accounts and organisations for `manage.py seed_demo`. Idempotent."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from .models import Membership, Organisation, User
from .rules import HANDLERS_GROUP, PORTAL_ADMINS_GROUP

DEMO_PASSWORD = "demo-portal-2026"

# (email, first name, last name, organisation key or None)
ORGANISATIONS = {
    "kommun": ("Demo kommun", Organisation.Kind.PUBLIC_BODY, "212000-0001", Organisation.Status.VERIFIED),
    "region": ("Demo region", Organisation.Kind.PUBLIC_BODY, "232100-0016", Organisation.Status.VERIFIED),
    "foretag": ("Demo Innovation AB", Organisation.Kind.COMPANY, "556000-0001", Organisation.Status.VERIFIED),
    "startup": ("Demo Startup AB", Organisation.Kind.COMPANY, "559000-0005", Organisation.Status.VERIFIED),
    "nykommun": ("Ny Demo kommun", Organisation.Kind.PUBLIC_BODY, "212000-0019", Organisation.Status.PENDING),
}
USERS = [
    ("kommun@demo.test", "Karin", "Kommunsson", "kommun"),
    ("region@demo.test", "Rasmus", "Regionsson", "region"),
    ("foretag@demo.test", "Fatima", "Företagsdotter", "foretag"),
    ("startup@demo.test", "Sam", "Startupsson", "startup"),
    ("nykommun@demo.test", "Nils", "Nykommunsson", "nykommun"),
    ("handlaggare@demo.test", "Hanna", "Handläggare", None),
    ("beslutsfattare@demo.test", "Bo", "Beslutsfattare", None),
    ("admin@demo.test", "Ada", "Administratör", None),
]


def _user(email, first, last) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def seed() -> dict:
    """Create the demo world and return it for the apps' own demo seeders."""
    organisations = {}
    for key, (name, kind, number, status) in ORGANISATIONS.items():
        organisation, _ = Organisation.objects.get_or_create(
            org_number=number, defaults={"name": name, "kind": kind, "status": status}
        )
        organisations[key] = organisation
    users = {}
    for email, first, last, org_key in USERS:
        user = _user(email, first, last)
        users[email.split("@")[0]] = user
        if org_key:
            Membership.objects.get_or_create(
                user=user, organisation=organisations[org_key], defaults={"role": Membership.Role.OWNER}
            )
    handlers, _ = Group.objects.get_or_create(name=HANDLERS_GROUP)
    admins, _ = Group.objects.get_or_create(name=PORTAL_ADMINS_GROUP)
    users["handlaggare"].groups.add(handlers)
    users["beslutsfattare"].groups.add(handlers)  # checks/demo.py gives the right to decide
    admin = users["admin"]
    admin.groups.add(admins)
    if not admin.is_staff:
        admin.is_staff = True
        admin.save(update_fields=["is_staff"])
    for org in organisations.values():
        # A verified organisation says who verified it and when, as one verified in the portal does.
        # Only what is missing is filled in, so a second run changes nothing.
        missing = {}
        if org.is_verified and org.verified_by_id is None:
            missing["verified_by"] = admin
        if org.is_verified and org.verified_at is None:
            missing["verified_at"] = timezone.now()
        if org.is_verified and not org.verified_name:
            # What was verified, so that the demo organisation is not shown as changed since its verification.
            missing.update(verified_name=org.name, verified_org_number=org.org_number, verified_kind=org.kind)
        if missing:
            for field, value in missing.items():
                setattr(org, field, value)
            org.save(update_fields=list(missing))
    return {"users": users, "organisations": organisations}
