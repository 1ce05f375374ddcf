"""A realistic volume of data for the benchmark (`manage.py seed_bench --scale N`).

Everything is written with bulk inserts in a few large statements; nothing goes
through the services (no mails, no audit rows, no tasks). Text is Swedish and
varied enough for full-text search to have real work to do. The random
generator is seeded, so two runs at the same scale produce the same world.

At scale 1: 200 public bodies, 2 000 companies, 20 000 needs (half published),
2 000 calls, 40 000 responses, 10 000 questions, 5 000 check applications with
reviews and decisions (every tenth submitted one with a thread of 8 messages), 300 webinars, 30 000 registrations.
"""

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from checks.messages.models import MESSAGE_FILES, Message
from checks.models import (
    Application,
    BudgetLine,
    Criterion,
    Decision,
    ExpertiseLine,
    FinalReport,
    GrantCall,
    ReferenceCounter,
    Review,
    Score,
    StateChange,
    Track,
)
from portal.models import Attachment, Membership, Organisation, User
from portal.orgnr import luhn_ok
from portal.rules import HANDLERS_GROUP, PORTAL_ADMINS_GROUP
from projects.models import (
    Call,
    Category,
    Conclusion,
    CpvCode,
    InterestProfile,
    MarketGapAssessment,
    Need,
    Procedure,
    Question,
    Response,
    Theme,
)
from webinars.models import Registration, Series, Speaker, Webinar

BENCH_PASSWORD = "bench-portal-2026"
# The accounts the load generator signs in as (sessions are made directly, see benchmarks/load.py).
BENCH_BUYER = "buyer@bench.test"
BENCH_COMPANY = "company@bench.test"
BENCH_HANDLER = "handler@bench.test"
BENCH_ADMIN = "admin@bench.test"

BATCH = 2000
MESSAGES_PER_THREAD = 8  # on every tenth submitted application (the thread page of benchmarks/load.py)

PLACES = [
    "Umeå",
    "Luleå",
    "Östersund",
    "Sundsvall",
    "Gävle",
    "Uppsala",
    "Västerås",
    "Örebro",
    "Karlstad",
    "Linköping",
    "Norrköping",
    "Jönköping",
    "Växjö",
    "Kalmar",
    "Karlskrona",
    "Kristianstad",
    "Helsingborg",
    "Malmö",
    "Lund",
    "Halmstad",
    "Borås",
    "Göteborg",
    "Trollhättan",
    "Skövde",
    "Visby",
    "Falun",
    "Nyköping",
    "Eskilstuna",
]
SUBJECTS = [
    "solceller på skolornas tak",
    "energilager för fjärrvärmen",
    "sensorer i hemtjänsten",
    "digitala vårdmöten",
    "fossilfria arbetsmaskiner",
    "återbruk av möbler",
    "läckagesökning i vattenledningar",
    "smarta sopkärl",
    "elektrifierade färjor",
    "trygg belysning i parker",
    "klimatsmarta måltider",
    "översvämningsskydd",
    "cybersäkerhet i vattenverk",
    "självkörande skyttelbussar",
    "läkemedelsrobotar",
    "fallprevention för äldre",
    "värmeåtervinning i simhallar",
    "biogas från matavfall",
    "beredskapslager för sjukvården",
    "digitala lås",
    "tyst asfalt",
    "cirkulära byggmaterial",
    "laddinfrastruktur för tunga fordon",
    "vätgas för kollektivtrafiken",
    "AI-stöd för handläggning",
    "inomhusmiljö i förskolor",
    "dagvattenrening",
    "reservkraft för äldreboenden",
]
VERBS = ["Behov av", "Vi söker", "Nya lösningar för", "Innovation inom", "Test av", "Utveckling av"]
SENTENCES = [
    "Dagens lösningar räcker inte och kostnaderna ökar varje år.",
    "Verksamheten vill minska sin klimatpåverkan och samtidigt förbättra servicen till invånarna.",
    "Vi har undersökt marknaden men hittar inga färdiga produkter som uppfyller kraven.",
    "Lösningen ska fungera i befintliga lokaler och kunna skalas upp till fler enheter.",
    "Medarbetarna behöver avlastas från manuella moment som tar tid från kärnuppdraget.",
    "Säkerheten och driftstabiliteten är avgörande eftersom tjänsten är samhällsviktig.",
    "Vi vill pröva nya affärsmodeller där leverantören tar ansvar för funktionen över tid.",
    "Behovet delas av flera kommuner i regionen som kan tänkas upphandla tillsammans.",
    "Data från befintliga system ska kunna användas utan inlåsning hos en leverantör.",
    "Resultatet följs upp med mätbara mål för energi, kostnad och användarnöjdhet.",
]
FIRST_NAMES = ["Anna", "Erik", "Maria", "Johan", "Sara", "Karl", "Lena", "Anders", "Elin", "Omar", "Aisha", "Li"]
LAST_NAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Ali"]
COMPANY_WORDS = ["Nordic", "Grön", "Smart", "Solid", "Klar", "Norr", "Väst", "Tech", "Energi", "Vård", "Data"]


@dataclass
class SeedResult:
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def org_number(prefix: str, index: int) -> str:
    """A valid organisation number NNNNNN-NNNN: the prefix, the index, and the Luhn check digit."""
    body = f"{prefix}{index:0{9 - len(prefix)}d}"
    check = next(str(digit) for digit in range(10) if luhn_ok(body + str(digit)))
    digits = body + check
    return f"{digits[:6]}-{digits[6:]}"


PUBLIC_PREFIX, COMPANY_PREFIX = "2130", "5570"


def is_seeded() -> bool:
    return Organisation.objects.filter(org_number=org_number(PUBLIC_PREFIX, 0)).exists()


def _text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def _bulk(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH)


def _organisations(kind: str, prefix: str, names: list[str], now) -> list[Organisation]:
    """Verified organisations of one kind, numbered from `prefix`."""
    return _bulk(
        Organisation,
        [
            Organisation(
                kind=kind,
                name=name,
                org_number=org_number(prefix, i),
                status=Organisation.Status.VERIFIED,
                verified_at=now,
            )
            for i, name in enumerate(names)
        ],
    )


def _users(rng, emails_and_names, password_hash) -> list[User]:
    users = _bulk(
        User,
        [
            User(email=email, first_name=first, last_name=last, password=password_hash)
            for email, first, last in emails_and_names
        ],
    )
    _bulk(EmailAddress, [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users])
    return users


def seed(
    scale: float = 1.0, *, cpv_mapping: dict | None = None, cpv_sv_mapping: dict | None = None, stdout=None
) -> SeedResult:
    """Fill the database. `scale` multiplies every volume (0.01 gives a small world for a quick try)."""
    started = time.monotonic()
    rng = random.Random(2026)
    now = timezone.now()

    def n(count: int) -> int:
        return max(1, round(count * scale))

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(f"  {message} ({time.monotonic() - started:.1f} s)")

    with transaction.atomic():
        if cpv_mapping:
            from projects.cpv import load_cpv_mapping

            load_cpv_mapping(cpv_mapping, cpv_sv_mapping)
        say("CPV codes")
        cpv_codes = list(CpvCode.objects.values_list("code", flat=True))
        password_hash = make_password(BENCH_PASSWORD)

        # Organisations and their owners.
        n_public, n_companies = n(200), n(2000)
        public = _organisations(
            Organisation.Kind.PUBLIC_BODY,
            PUBLIC_PREFIX,
            [f"{PLACES[i % len(PLACES)]}s {'kommun' if i % 5 else 'region'} {i}" for i in range(n_public)],
            now,
        )
        companies = _organisations(
            Organisation.Kind.COMPANY,
            COMPANY_PREFIX,
            [f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {i} AB" for i in range(n_companies)],
            now,
        )
        people = [(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(n_public + n_companies)]
        emails = [BENCH_BUYER] + [f"inkop{i}@bench.test" for i in range(1, n_public)]
        emails += [BENCH_COMPANY] + [f"foretag{i}@bench.test" for i in range(1, n_companies)]
        owners = _users(rng, [(e, *p) for e, p in zip(emails, people, strict=True)], password_hash)
        buyers, company_users = owners[:n_public], owners[n_public:]
        _bulk(
            Membership,
            [
                Membership(user=user, organisation=org, role=Membership.Role.OWNER)
                for user, org in zip(owners, public + companies, strict=True)
            ],
        )
        handlers = _users(
            rng,
            [(BENCH_HANDLER, "Hedda", "Handläggare")] + [(f"handlaggare{i}@bench.test", "H", str(i)) for i in (1, 2)],
            password_hash,
        )
        (admin,) = _users(rng, [(BENCH_ADMIN, "Adam", "Admin")], password_hash)
        admin.is_staff = True
        admin.save(update_fields=["is_staff"])
        Group.objects.get_or_create(name=HANDLERS_GROUP)[0].user_set.add(*handlers)
        Group.objects.get_or_create(name=PORTAL_ADMINS_GROUP)[0].user_set.add(admin)
        # Staff must have a second factor; the benchmark's sessions count as signed in with it.
        _bulk(
            Authenticator,
            [
                Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": "bench"})
                for user in [*handlers, admin]
            ],
        )
        say("organisations and users")

        # Needs, with assessments and CPV codes.
        n_needs = n(20000)
        needs = []
        for i in range(n_needs):
            org_index = i % n_public
            published = (i // n_public) % 2 == 0  # half of every organisation's needs
            subject = rng.choice(SUBJECTS)
            needs.append(
                Need(
                    organisation=public[org_index],
                    author=buyers[org_index],
                    title=f"{rng.choice(VERBS)} {subject} i {PLACES[org_index % len(PLACES)]}",
                    summary=f"{subject.capitalize()}. {_text(rng, 2)}",
                    problem=_text(rng, 4),
                    desired_effects=_text(rng, 2),
                    affected=_text(rng, 1),
                    themes=rng.sample([t.value for t in Theme], rng.randint(1, 2)),
                    category=rng.choice([c.value for c in Category]),
                    estimated_value=rng.randrange(100_000, 50_000_000, 10_000),
                    planned_start=(now + timedelta(days=rng.randint(-200, 400))).date(),
                    stage=rng.choice([s.value for s in Need.Stage]),
                    visibility=Need.Visibility.PUBLISHED if published else Need.Visibility.DRAFT,
                    published_at=now - timedelta(minutes=i) if published else None,
                )
            )
        needs = _bulk(Need, needs)
        through = Need.cpv_codes.through
        _bulk(
            through,
            [
                through(need_id=need.pk, cpvcode_id=code)
                for need in needs
                for code in rng.sample(cpv_codes, min(len(cpv_codes), rng.randint(1, 3)))
            ],
        )
        conclusions, procedures = [c.value for c in Conclusion], [p.value for p in Procedure]
        _bulk(
            MarketGapAssessment,
            [
                MarketGapAssessment(
                    need=need,
                    version=1,
                    conclusion=rng.choice(conclusions),
                    evidence=_text(rng, 3),
                    source_desk_research=True,
                    source_suppliers=True,
                    suppliers_consulted=rng.randint(1, 12),
                    trl=rng.randint(1, 9),
                    risks=_text(rng, 1),
                    suggested_procedure=rng.choice(procedures),
                    chosen_procedure=rng.choice(procedures),
                    rationale=_text(rng, 1),
                    author=need.author,
                )
                for need in needs
                if need.pk % 3
            ],
        )
        say(f"{len(needs)} needs")

        # Calls on published needs: open, closed, a few drafts and cancelled ones.
        published_needs = [need for need in needs if need.visibility == Need.Visibility.PUBLISHED]
        calls = []
        for i in range(n(2000)):
            need = published_needs[(i * 7) % len(published_needs)]
            state = rng.choices(["open", "closed", "draft", "cancelled"], weights=[50, 40, 7, 3])[0]
            opens = now - timedelta(days=rng.randint(1, 60))
            closes = now + timedelta(days=rng.randint(5, 60))
            if state == "draft":
                opens, closes = now + timedelta(days=10), now + timedelta(days=40)
            elif state in ("closed", "cancelled"):
                opens, closes = now - timedelta(days=40), now - timedelta(days=rng.randint(1, 10))
            calls.append(
                Call(
                    need=need,
                    kind=rng.choice([k.value for k in Call.Kind]),
                    title=f"Marknadsdialog: {need.title}",
                    description=_text(rng, 4),
                    questions_to_market=_text(rng, 2),
                    opens_at=opens,
                    closes_at=closes,
                    status=state,
                    cancel_reason="Behovet har ändrats." if state == "cancelled" else "",
                    created_by=need.author,
                    published_at=opens if state != "draft" else None,
                    opened_at=opens if state in ("open", "closed") else None,
                    closed_at=closes if state == "closed" else None,
                    alerts_sent_at=opens if state in ("open", "closed") else None,
                )
            )
        calls = _bulk(Call, calls)
        answerable = [call for call in calls if call.status in ("open", "closed")]
        per_call = -(-n(40000) // len(answerable))  # rounded up; the loop stops at the total
        responses = []
        for call in answerable:
            for company_index in rng.sample(range(n_companies), min(per_call, n_companies)):
                responses.append(
                    Response(
                        call=call,
                        organisation=companies[company_index],
                        author=company_users[company_index],
                        summary=f"Vår lösning för {rng.choice(SUBJECTS)}. {_text(rng, 1)}",
                        description=_text(rng, 3),
                        trl=rng.randint(2, 9),
                        references=_text(rng, 1),
                        price_indication=rng.randrange(50_000, 5_000_000, 10_000),
                        status=rng.choices(["submitted", "draft", "withdrawn"], weights=[85, 10, 5])[0],
                        submitted_at=call.opens_at + timedelta(days=1),
                    )
                )
                if len(responses) >= n(40000):
                    break
            if len(responses) >= n(40000):
                break
        _bulk(Response, responses)
        questions = []
        for i in range(n(10000)):
            call = answerable[i % len(answerable)]
            company_index = rng.randrange(n_companies)
            answered = i % 2 == 0
            questions.append(
                Question(
                    call=call,
                    organisation=companies[company_index],
                    asked_by=company_users[company_index],
                    text=f"Hur ska {rng.choice(SUBJECTS)} integreras med befintliga system?",
                    answer=_text(rng, 2) if answered else "",
                    answered_by=call.created_by if answered else None,
                    answered_at=call.opens_at + timedelta(days=3) if answered else None,
                )
            )
        _bulk(Question, questions)
        profiles = _bulk(
            InterestProfile,
            [
                InterestProfile(
                    organisation=company,
                    categories=[rng.choice([c.value for c in Category])],
                    themes=[rng.choice([t.value for t in Theme])],
                    keywords=", ".join(rng.sample(["sensor", "energi", "vård", "digital", "avfall", "trafik"], 2)),
                )
                for company in companies
            ],
        )
        divisions = [code for code in cpv_codes if code.endswith("000000")] or cpv_codes
        profile_through = InterestProfile.cpv_codes.through
        _bulk(
            profile_through,
            [
                profile_through(interestprofile_id=profile.pk, cpvcode_id=code)
                for profile in profiles
                for code in rng.sample(divisions, min(2, len(divisions)))
            ],
        )
        say(f"{len(calls)} calls, {len(responses)} responses, {len(questions)} questions")

        _update_search_vectors()
        say("search vectors")

        _seed_checks(rng, n, now, public, buyers, needs, handlers, admin)
        say("innovation checks")
        _seed_webinars(rng, n, now, admin, owners)
        say("webinars")

    if connection.vendor == "postgresql":
        # Fresh planner statistics and visibility maps (index-only counts), as autovacuum would leave them.
        # VACUUM cannot run inside a transaction (a test's, for one); ANALYZE alone can.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    from portal.cache import invalidate_public_pages

    invalidate_public_pages()
    result = SeedResult(counts=counts(), seconds=time.monotonic() - started)
    return result


def _update_search_vectors() -> None:
    """The analysed terms of every need and call in bulk (as the services store them), then one index rebuild per
    table (FTS5 on SQLite, `search_vector` on PostgreSQL)."""
    from projects import search_index

    bodies = {}
    # In chunks: one prefetch over every need would send more parameters than PostgreSQL takes in one statement
    # (65 535) once the values are bound apart from the text (DB_SERVER_SIDE_BINDING), as at scale 5.
    needs = list(Need.objects.prefetch_related("cpv_codes").iterator(chunk_size=5000))
    for need in needs:
        for name, value in search_index.need_parts(need, need.cpv_codes.all()).items():
            setattr(need, name, value)
        bodies[need.pk] = need.search_body
    _store_parts(Need, needs)
    calls = list(Call.objects.select_related("need"))
    for call in calls:
        for name, value in search_index.call_parts(call, call.need, bodies.get(call.need_id, "")).items():
            setattr(call, name, value)
    _store_parts(Call, calls)
    search_index.refresh("projects_need")
    search_index.refresh("projects_call")


def _store_parts(model, rows: list) -> None:
    """Write the search parts of `rows`: on PostgreSQL copied into a temporary table and set by one UPDATE (a
    bulk_update of 100 000 rows spends minutes building CASE expressions), elsewhere with bulk_update."""
    from projects import search_index

    parts = list(search_index.PARTS)
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, parts, batch_size=500)
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        columns = ", ".join(f"{part} text" for part in parts)
        cursor.execute(f"CREATE TEMPORARY TABLE bench_parts (id bigint PRIMARY KEY, {columns})")
        with cursor.copy(f"COPY bench_parts (id, {', '.join(parts)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.pk, *(getattr(row, part) for part in parts)])
        assignments = ", ".join(f"{part} = bench_parts.{part}" for part in parts)
        cursor.execute(f"UPDATE {table} SET {assignments} FROM bench_parts WHERE {table}.id = bench_parts.id")
        cursor.execute("DROP TABLE bench_parts")


def _seed_checks(rng, n, now, public, buyers, needs, handlers, admin) -> None:
    year = now.year
    calls, tracks, criteria = [], {}, {}
    for index in range(5):
        open_call = index == 4
        opens = (now - timedelta(days=30)).date() if open_call else (now - timedelta(days=400 - index * 60)).date()
        call = GrantCall.objects.create(
            name=f"Checkar för innovationsupphandling {year - 4 + index}",
            reference_number=f"BENCH-{year - 4 + index}-{index:05d}",
            theme=rng.choice(["Hållbarhet", "Resiliens", "Säkerhet"]),
            description=_text(rng, 4),
            how_to_apply=_text(rng, 2),
            opens_on=opens,
            closes_on=opens + timedelta(days=60),
            total_budget=2_000_000_000,
            status=GrantCall.Status.PUBLISHED,
            published_at=now - timedelta(days=400 - index * 60),
            created_by=admin,
        )
        calls.append(call)
        tracks[call.pk] = [
            Track.objects.create(call=call, name="Beslutsunderlag", cap_one=200_000, position=1),
            Track.objects.create(
                call=call, name="Pågående upphandling", cap_one=200_000, cap_two_or_more=400_000, position=2
            ),
        ]
        criteria[call.pk] = [
            Criterion.objects.create(call=call, name=name, weight=weight, position=position)
            for position, (name, weight) in enumerate([("Innovationshöjd", 3), ("Genomförbarhet", 2), ("Nytta", 2)])
        ]
    states = Application.State
    weights = {
        states.DRAFT: 10,
        states.SUBMITTED: 15,
        states.IN_REVIEW: 20,
        states.COMPLETION_REQUESTED: 5,
        states.APPROVED: 20,
        states.REJECTED: 15,
        states.FINAL_REPORT_SUBMITTED: 5,
        states.CLOSED: 7,
        states.WITHDRAWN: 3,
    }
    applications, counter = [], 0
    for i in range(n(5000)):
        org_index = i % len(public)
        call = calls[i % len(calls)]
        track = rng.choice(tracks[call.pk])
        state = rng.choices(list(weights), weights=list(weights.values()))[0]
        reference = None
        if state != states.DRAFT:
            counter += 1
            reference = f"IC-{year}-{counter:05d}"
        start = call.closes_on + timedelta(days=30)
        submitted_at = now - timedelta(days=rng.randint(1, 300)) if reference else None
        applications.append(
            Application(
                call=call,
                track=track,
                organisation=public[org_index],
                need=needs[org_index] if i % 3 == 0 else None,
                contact=buyers[org_index],
                title=f"Extern expertis för {rng.choice(SUBJECTS)}",
                purpose=_text(rng, 2),
                background=_text(rng, 2),
                expected_results=_text(rng, 2),
                requested_amount=150_000,
                period_start=start,
                period_end=start + timedelta(days=180),
                state=state,
                reference=reference,
                submitted_at=submitted_at,
                # As services._move would set it (bulk inserts skip it): the submission is the applicant's last move.
                waiting_since=submitted_at,
                assigned_to=rng.choice([None, *handlers]) if reference else None,
                created_by=buyers[org_index],
            )
        )
    applications = _bulk(Application, applications)
    ReferenceCounter.objects.update_or_create(year=year, defaults={"last": counter})
    _bulk(
        ExpertiseLine,
        [
            ExpertiseLine(application=a, provider="Konsult AB", competence="Upphandlingsjurist", fee=100_000)
            for a in applications
        ],
    )
    _bulk(
        BudgetLine,
        [
            line
            for a in applications
            for line in (
                BudgetLine(application=a, kind=BudgetLine.Kind.EXPERTISE, description="Arvode", amount=100_000),
                BudgetLine(application=a, kind=BudgetLine.Kind.TESTBED, description="Testbädd", amount=50_000),
            )
        ],
    )
    submitted = [a for a in applications if a.reference]
    _bulk(
        StateChange,
        [
            StateChange(application=a, from_state=states.DRAFT, to_state=states.SUBMITTED, by=a.contact)
            for a in submitted
        ],
    )
    # Submitted when the application says (auto_now_add stamped them now): the queue's days waiting and its
    # "overdue" tab then see the spread of a real queue.
    StateChange.objects.filter(to_state=states.SUBMITTED).update(
        created_at=Subquery(Application.objects.filter(pk=OuterRef("application_id")).values("submitted_at")[:1])
    )
    _seed_messages(rng, submitted, handlers)
    reviewed_states = {
        states.IN_REVIEW,
        states.COMPLETION_REQUESTED,
        states.APPROVED,
        states.REJECTED,
        states.FINAL_REPORT_SUBMITTED,
        states.CLOSED,
    }
    reviews = []
    for a in applications:
        if a.state in reviewed_states:
            for handler in handlers[: rng.randint(1, 2)]:
                reviews.append(
                    Review(
                        application=a,
                        handler=handler,
                        recommendation=rng.choice([r.value for r in Review.Recommendation]),
                        weighted_score=round(rng.uniform(1, 5), 2),
                    )
                )
    reviews = _bulk(Review, reviews)
    application_call = {a.pk: a.call_id for a in applications}
    _bulk(
        Score,
        [
            Score(review=review, criterion=criterion, score=rng.randint(1, 5), comment="Väl motiverat.")
            for review in reviews
            for criterion in criteria[application_call[review.application_id]]
        ],
    )
    decided = {states.APPROVED, states.REJECTED, states.FINAL_REPORT_SUBMITTED, states.CLOSED}
    _bulk(
        Decision,
        [
            Decision(
                application=a,
                outcome=Decision.Outcome.REJECTED if a.state == states.REJECTED else Decision.Outcome.APPROVED,
                granted_amount=0 if a.state == states.REJECTED else 150_000,
                reasoning=_text(rng, 2),
                decided_by=handlers[0],
                decided_at=now - timedelta(days=rng.randint(1, 200)),
            )
            for a in applications
            if a.state in decided
        ],
    )
    _bulk(
        FinalReport,
        [
            FinalReport(
                application=a,
                results=_text(rng, 3),
                outcome=_text(rng, 2),
                procurement_started=True,
                procedure=FinalReport.Procedure.INNOVATION_PARTNERSHIP,
                submitted_at=now - timedelta(days=10),
                accepted_at=now - timedelta(days=2) if a.state == states.CLOSED else None,
                accepted_by=handlers[0] if a.state == states.CLOSED else None,
            )
            for a in applications
            if a.state in (states.FINAL_REPORT_SUBMITTED, states.CLOSED)
        ],
    )


def _seed_messages(rng, submitted, handlers) -> None:
    """A thread on every tenth submitted application: the applicant and a handler write in turn, an internal note
    between, and every third message has an attachment (a row only: the pages list files, the bench downloads
    none)."""
    messages = []
    for a in submitted[::10]:
        handler = a.assigned_to or handlers[0]
        for turn in range(MESSAGES_PER_THREAD):
            from_applicant = turn % 2 == 0
            messages.append(
                Message(
                    application=a,
                    sender=Message.Sender.APPLICANT if from_applicant else Message.Sender.HANDLER,
                    internal=turn % 4 == 3,
                    author=a.contact if from_applicant else handler,
                    body=_text(rng, 3),
                )
            )
    messages = _bulk(Message, messages)
    message_type = ContentType.objects.get_for_model(Message)
    _bulk(
        Attachment,
        [
            Attachment(
                content_type=message_type,
                object_id=str(message.pk),
                purpose=MESSAGE_FILES,
                file=f"bench/bilaga-{message.pk}.pdf",
                filename=f"bilaga-{message.pk}.pdf",
                mime_type="application/pdf",
                size=120_000,
                uploaded_by=message.author,
            )
            for message in messages[::3]
        ],
    )


def _seed_webinars(rng, n, now, admin, users) -> None:
    series = [
        Series.objects.create(
            title=f"Bänkserie {i}: innovation och upphandling", slug=f"bank-{i}", summary=_text(rng, 1)
        )
        for i in range(5)
    ]
    webinars = []
    for i in range(n(300)):
        starts = now + timedelta(days=i - n(300) // 2, hours=rng.randint(-3, 3))
        webinars.append(
            Webinar(
                series=series[i % len(series)],
                title=f"I fokus: {rng.choice(SUBJECTS)}",
                theme=rng.choice(["Hållbarhet", "Digitalisering", "Vård och omsorg", "Energi"]),
                summary=_text(rng, 1),
                description=_text(rng, 5),
                starts_at=starts,
                ends_at=starts + timedelta(hours=1, minutes=30),
                join_url=f"https://mote.example.se/{uuid.uuid4()}",
                recording_url="https://play.example.se/inspelning" if starts < now else "",
                capacity=rng.choice([None, 100, 200]),
                status=Webinar.Status.PUBLISHED if i % 20 else Webinar.Status.DRAFT,
                published_at=now - timedelta(days=60) if i % 20 else None,
                created_by=admin,
            )
        )
    webinars = _bulk(Webinar, webinars)
    _bulk(
        Speaker,
        [
            Speaker(
                webinar=w,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                title="Upphandlare",
                organisation="Myndigheten",
                position=p,
            )
            for w in webinars
            for p in range(rng.randint(1, 3))
        ],
    )
    per_webinar = max(1, round(n(30000) / len(webinars)))
    registrations = []
    for w in webinars:
        for j in range(per_webinar):
            user = users[(w.pk * 31 + j) % len(users)] if j % 3 == 0 else None
            confirmed = w.capacity is None or j < w.capacity
            registrations.append(
                Registration(
                    webinar=w,
                    user=user,
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    email=f"deltagare{j}.w{w.pk}@bench.test",
                    organisation=rng.choice(PLACES) + "s kommun",
                    status=Registration.Status.CONFIRMED if confirmed else Registration.Status.WAITLISTED,
                    consent_at=now - timedelta(days=5),
                    confirmed_at=now - timedelta(days=5) if confirmed else None,
                )
            )
    _bulk(Registration, registrations)


def counts() -> dict:
    return {
        "public bodies": Organisation.objects.filter(kind=Organisation.Kind.PUBLIC_BODY).count(),
        "companies": Organisation.objects.filter(kind=Organisation.Kind.COMPANY).count(),
        "users": User.objects.count(),
        "needs": Need.objects.count(),
        "published needs": Need.objects.filter(visibility=Need.Visibility.PUBLISHED).count(),
        "calls": Call.objects.count(),
        "responses": Response.objects.count(),
        "questions": Question.objects.count(),
        "check applications": Application.objects.count(),
        "check messages": Message.objects.count(),
        "reviews": Review.objects.count(),
        "decisions": Decision.objects.count(),
        "webinars": Webinar.objects.count(),
        "registrations": Registration.objects.count(),
        "CPV codes": CpvCode.objects.count(),
    }
