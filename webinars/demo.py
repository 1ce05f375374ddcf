"""Demo content for `manage.py seed_demo`: the "I fokus" series with past and upcoming webinars. Idempotent.

Past webinars are the ones named on the agency's page; the recording links
point at an example host. Upcoming ones are placed relative to the first
seeding, and one of them is full with a waiting list. Rows are created
directly (no mails are sent) and found again by their natural keys.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import Registration, Series, Speaker, Webinar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SERIES_TITLE = "I fokus – om innovation och upphandling"
SERIES_SLUG = "i-fokus"


def _at(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


PAST = [
    {
        "title": "Tema solceller och solenergi",
        "theme": "Energi",
        "starts_at": _at(2023, 9, 8, 9),
        "ends_at": _at(2023, 9, 8, 10),
        "summary": "Hur kan offentliga verksamheter upphandla solceller och solenergi så att ny teknik får en chans?",
        "description": (
            "Vi går igenom vad som är nytt på marknaden för solceller och solenergi, hur man ställer "
            "funktionskrav i stället för att beskriva en viss lösning, och vad andra upphandlande "
            "organisationer har lärt sig."
        ),
        "recording_url": "https://video.example.org/i-fokus/tema-solceller-och-solenergi",
        "speakers": [("Anna Lindqvist", "Energiexpert", "Demo region"), ("Erik Holm", "Upphandlare", "Demo kommun")],
    },
    {
        "title": (
            "Hur får vi fler företag och offentliga verksamheter att delta i europeiska innovationsupphandlingar?"
        ),
        "theme": "EU-samarbete",
        "starts_at": _at(2024, 3, 13, 10),
        "ends_at": _at(2024, 3, 13, 11, 30),
        "summary": "Om gemensamma europeiska innovationsupphandlingar, finansiering och hur man hittar partner.",
        "description": (
            "EU finansierar gemensamma innovationsupphandlingar där upphandlande organisationer i flera "
            "länder går samman. Vi berättar hur det går till, vad det kostar och vad det ger, och hur "
            "svenska företag kan delta."
        ),
        "recording_url": "https://video.example.org/i-fokus/europeiska-innovationsupphandlingar",
        "speakers": [("Maria Berg", "Rådgivare EU-frågor", "Demo Innovation AB")],
    },
    {
        "title": "Så skapar du utrymme för innovation i upphandlingsdokumenten",
        "theme": "Upphandlingsdokument",
        "starts_at": _at(2025, 3, 20, 9),
        "ends_at": _at(2025, 3, 20, 10),
        "summary": "Årets första I fokus: hur krav, utvärdering och avtalsvillkor kan öppna för nya lösningar.",
        "description": (
            "Funktionskrav, utvärderingskriterier som belönar innovation och avtalsvillkor som delar "
            "risken – konkreta exempel på formuleringar som ger leverantörerna utrymme att föreslå nya lösningar."
        ),
        "recording_url": "https://video.example.org/i-fokus/utrymme-for-innovation-i-upphandlingsdokument",
        "speakers": [("Johan Ek", "Jurist", "Demo kommun"), ("Sara Nyström", "Innovationsstrateg", "Demo region")],
    },
]

UPCOMING = [
    {
        "title": "Marknadsdialog i praktiken – RFI, dialogmöten och idétävlingar",
        "theme": "Marknadsdialog",
        "days_ahead": 14,
        "capacity": 150,
        "summary": "Hur du för en dialog med marknaden före upphandlingen, inom ramen för LOU.",
        "description": (
            "Vi visar hur en förfrågan om information (RFI) och dialogmöten kan ge underlag till "
            "marknadsanalysen, och hur du behandlar leverantörer lika."
        ),
        "speakers": [("Lina Sjöberg", "Upphandlingskonsult", "Demo Innovation AB")],
        "registrants": ["kommun", "foretag", ("Olle Persson", "olle.persson@example.org", "Exempelbolaget AB")],
    },
    {
        "title": "Checkar för innovationsupphandling – så söker du",
        "theme": "Finansiering",
        "days_ahead": 21,
        "capacity": 3,
        "summary": "Genomgång av årets utlysning och vanliga frågor. Fullbokad – anmäl dig till väntelistan.",
        "description": (
            "Vilka kostnader kan checken täcka, vilka spår finns och hur bedöms ansökningarna? "
            "Handläggare svarar på frågor."
        ),
        "speakers": [("Hanna Handläggare", "Handläggare", "Innovationsmyndigheten")],
        "registrants": [
            "region",
            "startup",
            ("Per Ström", "per.strom@example.org", "Exempel kommun"),
            ("Lisa Ahmed", "lisa.ahmed@example.org", "Exempel region"),  # waiting
            ("Kent Nilsson", "kent.nilsson@example.org", "Exempelbolaget AB"),  # waiting
        ],
    },
]


def _speakers(webinar, speakers):
    if webinar.speakers.exists():
        return
    for position, (name, title, organisation) in enumerate(speakers):
        Speaker.objects.create(webinar=webinar, name=name, title=title, organisation=organisation, position=position)


def _registrant(world, entry):
    if isinstance(entry, tuple):
        return entry[0], entry[1], entry[2], None
    user = world["users"][entry]
    organisation = world["organisations"].get(entry)
    return user.get_full_name(), user.email, organisation.name if organisation else "", user


def seed(world) -> None:
    admin = world["users"]["admin"]
    series, _ = Series.objects.get_or_create(
        slug=SERIES_SLUG,
        defaults={
            "title": SERIES_TITLE,
            "summary": "Korta webbinarier där vi fördjupar oss i ett tema inom innovationsupphandling.",
            "description": (
                "I serien I fokus bjuder vi in upphandlare, verksamhetsutvecklare och företag att höra "
                "hur andra har gjort. Varje webbinarium tar upp ett tema, med gott om tid för frågor. "
                "Webbinarierna spelas in."
            ),
        },
    )
    for data in PAST:
        webinar, created = Webinar.objects.get_or_create(
            series=series,
            title=data["title"],
            defaults={
                "theme": data["theme"],
                "summary": data["summary"],
                "description": data["description"],
                "starts_at": data["starts_at"],
                "ends_at": data["ends_at"],
                "recording_url": data["recording_url"],
                "status": Webinar.Status.PUBLISHED,
                "published_at": data["starts_at"] - timedelta(days=30),
                "recording_published_at": data["ends_at"] + timedelta(days=2),
                "created_by": admin,
            },
        )
        _speakers(webinar, data["speakers"])

    today = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    for data in UPCOMING:
        starts_at = today + timedelta(days=data["days_ahead"])
        webinar, created = Webinar.objects.get_or_create(
            series=series,
            title=data["title"],
            defaults={
                "theme": data["theme"],
                "summary": data["summary"],
                "description": data["description"],
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=1),
                "join_url": "https://meet.example.org/i-fokus/" + str(data["days_ahead"]),
                "capacity": data["capacity"],
                "status": Webinar.Status.PUBLISHED,
                "published_at": timezone.now(),
                "created_by": admin,
            },
        )
        _speakers(webinar, data["speakers"])
        for position, entry in enumerate(data["registrants"]):
            name, email, organisation, user = _registrant(world, entry)
            confirmed = webinar.capacity is None or position < webinar.capacity
            now = timezone.now()
            Registration.objects.get_or_create(
                webinar=webinar,
                email=email,
                defaults={
                    "name": name,
                    "organisation": organisation,
                    "user": user,
                    "status": Registration.Status.CONFIRMED if confirmed else Registration.Status.WAITLISTED,
                    "consent_at": now,
                    "queued_at": now + timedelta(seconds=position),
                    "confirmed_at": now if confirmed else None,
                },
            )

    starts_at = today + timedelta(days=35)
    draft, _ = Webinar.objects.get_or_create(
        series=series,
        title="Innovationspartnerskap – när inget på marknaden räcker",
        defaults={
            "theme": "Förfaranden",
            "summary": "Utkast: när passar ett innovationspartnerskap, och hur går det till?",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=1),
            "status": Webinar.Status.DRAFT,
            "created_by": admin,
        },
    )
