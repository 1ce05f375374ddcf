import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from . import audit
from . import rules as portal_rules
from .cache import CachedPageManager, families_of


class UserManager(BaseUserManager, CachedPageManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with email; acts for one organisation at a time."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="sv",
        help_text=_("Language of the mails the portal sends you."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email


class EidIdentity(models.Model):
    """A person's e-legitimation, kept only as a keyed hash of their personal identity number.

    The hash (HMAC-SHA256 with settings.EID_HASH_KEY, portal/eid.py) is all that matching a sign-in to the account
    needs; the number itself is never stored (dataskyddslagen 3 kap. 10 §, data minimisation). One hash belongs to
    one account; it goes when the account is deleted.
    """

    personal_number_hash = models.CharField(_("personal identity number (keyed hash)"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eid_identities", verbose_name=_("user")
    )
    # The allauth provider (its id, e.g. "eid" or a SAML organisation) that asserted it first and last.
    provider = models.CharField(_("identity provider"), max_length=100)
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), default=timezone.now)

    class Meta:
        verbose_name = _("e-legitimation")
        verbose_name_plural = _("e-legitimations")

    def __str__(self):
        # Never the number, nor the whole hash.
        return f"e-ID #{self.pk}"


class Organisation(RulesModel):
    class Kind(models.TextChoices):
        PUBLIC_BODY = "public_body", _("Public body")
        COMPANY = "company", _("Company")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    # The identity (Bolagsverket's / Skatteverket's organisationsnummer). Empty only for an organisation that
    # lost its number in an identity dispute (portal/organisations.py) and has not given a correct one since.
    org_number = models.CharField(_("organisation number"), max_length=11, unique=True, null=True, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("registered by"),
    )
    # What a portal admin last verified: a verified organisation that changes its name, number or kind goes back
    # to the queue, where these show what changed (old → new).
    verified_name = models.CharField(_("verified name"), max_length=200, blank=True)
    verified_org_number = models.CharField(_("verified organisation number"), max_length=11, blank=True)
    verified_kind = models.CharField(_("verified kind"), max_length=20, choices=Kind.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        rules_permissions = {
            "view": portal_rules.is_org_member | portal_rules.is_portal_admin,
            "change": portal_rules.is_org_owner,
            "invite": portal_rules.is_org_owner,
            "verify": portal_rules.is_portal_admin,
            "reject": portal_rules.is_portal_admin & portal_rules.org_awaits_verification,
            "resubmit": portal_rules.is_org_owner & portal_rules.org_is_rejected,
            # A portal admin takes back a verification or a rejection (portal.services.undo_organisation_decision).
            "undo_decision": portal_rules.is_portal_admin
            & (portal_rules.org_is_verified | portal_rules.org_is_rejected),
        }

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED

    @property
    def awaits_verification(self) -> bool:
        """New, or changed since it was verified: in the queue, and the only state a portal admin may reject."""
        return self.status == self.Status.PENDING

    @property
    def is_rejected(self) -> bool:
        """Verification was refused (or its number was lost in a dispute): its owners may correct it and ask again."""
        return self.status == self.Status.REJECTED

    @property
    def changes_since_verification(self) -> list[tuple[str, str, str]]:
        """(what, verified value, current value) for each identity field changed since the last verification."""
        if not self.verified_at:
            return []
        pairs = [
            (_("Name"), self.verified_name, self.name),
            (_("Organisation number"), self.verified_org_number, self.org_number or ""),
            (
                _("Kind"),
                self.Kind(self.verified_kind).label if self.verified_kind else "",
                self.get_kind_display(),
            ),
        ]
        return [(str(what), old, new) for what, old, new in pairs if old != new]

    @property
    def is_public_body(self) -> bool:
        return self.kind == self.Kind.PUBLIC_BODY

    @property
    def is_company(self) -> bool:
        return self.kind == self.Kind.COMPANY


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"


class JoinRequest(RulesModel):
    """Someone asks to become a member of an organisation that already holds the number they tried to register.

    The organisation's owners accept (a membership is made) or decline it (portal/organisations.py).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the owners' answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("requested by")
    )
    message = models.TextField(_("message to the owners"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=models.Q(status="pending"),
                name="join_request_one_open_per_user",
            )
        ]
        rules_permissions = {
            "view": portal_rules.is_org_owner | portal_rules.is_requester,
            "decide": portal_rules.is_org_owner & portal_rules.is_pending_request,
        }

    def __str__(self):
        return f"{self.user} → {self.organisation}"

    @property
    def is_pending(self) -> bool:
        """Not answered yet: the only state its owners may accept or decline it in."""
        return self.status == self.Status.PENDING


class IdentityDispute(RulesModel):
    """Someone says an organisation number registered by an unverified organisation is theirs.

    A portal admin decides: uphold (the number goes to a new organisation for the disputing party, the holder
    loses it) or reject (nothing changes). Both sides are mailed the outcome (portal/organisations.py).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting a decision")
        UPHELD = "upheld", _("Upheld: the number was given to the disputing party")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("disputed organisation")
    )
    org_number = models.CharField(_("organisation number"), max_length=11)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="identity_disputes",
        verbose_name=_("raised by"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Organisation.Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    statement = models.TextField(_("why the number is yours"), max_length=4000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    new_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation created for the disputing party"),
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("identity dispute")
        verbose_name_plural = _("identity disputes")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_number", "raised_by"],
                condition=models.Q(status="open"),
                name="identity_dispute_one_open_per_user",
            )
        ]
        rules_permissions = {
            "view": portal_rules.is_portal_admin,
            "decide": portal_rules.is_portal_admin & portal_rules.is_open_dispute,
        }

    def __str__(self):
        return f"{self.org_number}: {self.name}"

    @property
    def is_open(self) -> bool:
        """Not decided yet: the only state a portal admin may decide it in."""
        return self.status == self.Status.OPEN


class SubmissionToken(models.Model):
    """A form's one-time token, recorded with the object its first submission created (portal/submission.py)."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    created = models.DateTimeField(default=timezone.now, db_index=True)
    url = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("submission token")
        verbose_name_plural = _("submission tokens")

    def __str__(self):
        return self.token


class AuditEntry(models.Model):
    """Who did what to which object, and when. Written by services only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    # Empty for objects about people (portal.audit.register_personal): the log shows "Registration #12".
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    # Text of rows written before `details`; new rows leave it empty.
    description = models.TextField(_("description"), blank=True)
    # Plain values (ids, states, amounts), shown in the reader's language by portal.audit.describe.
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def action_label(self) -> str:
        return audit.label(self.action)

    def rendered_description(self) -> str:
        return audit.describe(self.action, self.details, self.description)

    def object_label(self) -> str:
        return audit.object_label(self)


def _attachment_path(instance, filename):
    return f"attachments/{timezone.now():%Y/%m}/{instance.uuid}/{filename}"


class Attachment(models.Model):
    """A file belonging to some object (a call, a response, an application …).

    Only ever served by `portal.views.files.download_attachment`, which checks
    that the user may view the owning object (its `view` rules permission).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    owner = GenericForeignKey("content_type", "object_id")
    purpose = models.CharField(max_length=40, blank=True, help_text="Distinguishes several file lists on one object.")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    mime_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.filename

    def page_families(self) -> frozenset[str] | None:
        """A file is shown with its owner (a call's documents are public, a response's are not): its family."""
        owner_model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        return families_of(owner_model) if owner_model is not None else None


class HeldUpload(models.Model):
    """A valid file chosen on a form that could not be saved yet (another file or field had an error, or the
    service refused), kept so that the user need not choose it again (portal/files.py).

    Only its uploader can claim it back, through a signed id in the re-shown form; saving the form turns it into
    an `Attachment` of the same stored file, and beat deletes unclaimed ones after `files.HELD_UPLOAD_TTL`.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    original_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("kept upload")
        verbose_name_plural = _("kept uploads")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.filename


class OutboxMessage(models.Model):
    """A Celery task to send, written in the same transaction as the change that asks for it (portal/outbox.py).

    The relay sends unsent rows and stamps `sent_at`; a row whose send failed (broker down) keeps
    `sent_at` empty, counts its `attempts`, keeps the `last_error` and is sent by a later relay.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("queued job")
        verbose_name_plural = _("queued jobs")
        indexes = [
            models.Index(fields=["id"], name="portal_outbox_unsent", condition=models.Q(sent_at__isnull=True)),
            models.Index(fields=["sent_at"], name="portal_outbox_sent_at"),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"


class Mail(models.Model):
    """One rendered mail to one address, written in the transaction of the change it tells about (portal/mail.py).

    `portal.tasks.send_mail` sends it under a row lock and marks it sent in the same transaction, so a job
    delivered twice sends it once. Attachments are kept as base64 in `attachments`
    ([{"name", "content", "mimetype"}]).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=8, blank=True)
    template = models.CharField(_("template"), max_length=200, blank=True)
    from_email = models.CharField(_("from"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Set when the same mail must never be queued twice (e.g. one per registrant and webinar change).
    key = models.CharField(_("key"), max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("mail")
        verbose_name_plural = _("mails")
        indexes = [
            models.Index(fields=["updated_at"], name="portal_mail_queued", condition=models.Q(status="queued")),
        ]

    def __str__(self):
        # Not the subject: the admin shows this to portal admins, who see a mail's delivery, not its content.
        return f"#{self.pk} {self.to}"
