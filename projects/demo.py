"""Demo content for `manage.py seed_demo`: needs in every stage and visibility for both buyers, assessments
with each conclusion, calls in each state, responses from both companies in each state, questions with and
without answers, interest profiles. Idempotent: every row is found by its natural key before it is made.
"""

from datetime import timedelta

from django.utils import timezone

from .amendments.models import Amendment
from .cpv import load_divisions, load_vocabulary
from .following.models import CallFollow
from .models import (
    Call,
    Category,
    Conclusion,
    CpvCode,
    InterestProfile,
    MarketGapAssessment,
    Need,
    Question,
    Response,
    Theme,
)
from .procedures import suggest_procedure
from .services import update_search_vectors
from .structured.services import parse_questions, save_answers, set_market_questions

S = Need.Stage
PUB, DRAFT = Need.Visibility.PUBLISHED, Need.Visibility.DRAFT

# key: (buyer, title, stage, visibility, category, themes, cpv divisions, value, summary, problem, effects, affected)
NEEDS = {
    "solar": (
        "kommun",
        "Solceller på kommunens förskolor",
        S.DIALOGUE,
        PUB,
        Category.ENERGY,
        [Theme.SUSTAINABILITY],
        ["09000000", "45000000"],
        4_500_000,
        "Vi vill producera egen el på förskolornas tak och använda den där den behövs.",
        "Förskolornas tak är små och skuggade, och elen används mest på morgonen när solen står lågt.",
        "Minst 30 procent av förskolornas el från egna solceller, utan att taken behöver förstärkas.",
        "Barn och personal på 24 förskolor, fastighetsförvaltningen.",
    ),
    "homecare": (
        "kommun",
        "Digitalt stöd för hemtjänstens planering",
        S.MARKET_ANALYSIS,
        PUB,
        Category.CARE,
        [Theme.RESILIENCE],
        ["72000000", "48000000"],
        2_000_000,
        "Hemtjänsten planerar besök för hand och planeringen bryter ihop när någon blir sjuk.",
        "Planeringen tar två timmar varje morgon och ändras många gånger under dagen.",
        "Mer tid hos brukarna, färre körda mil och en plan som klarar sjukfrånvaro.",
        "Omsorgstagare, hemtjänstpersonal och samordnare.",
    ),
    "machines": (
        "kommun",
        "Fossilfria arbetsmaskiner för parkförvaltningen",
        S.PROCUREMENT,
        PUB,
        Category.TRANSPORT,
        [Theme.SUSTAINABILITY],
        ["34000000", "43000000"],
        8_000_000,
        "Parkförvaltningens gräsklippare, lastare och traktorer ska gå utan fossila bränslen.",
        "Maskinerna används hårt under korta säsonger och laddning finns inte vid alla depåer.",
        "Inga fossila utsläpp från parkförvaltningens maskiner år 2030.",
        "Parkförvaltningen och de som bor nära parkerna.",
    ),
    "meals": (
        "kommun",
        "Klimatsmarta skolmåltider",
        S.FOLLOW_UP,
        PUB,
        Category.FOOD,
        [Theme.SUSTAINABILITY],
        ["15000000", "55000000"],
        12_000_000,
        "Skolmåltider med lägre klimatpåverkan som eleverna faktiskt äter.",
        "Matsvinnet är stort och klimatavtrycket per portion har inte minskat.",
        "Halverat matsvinn och 25 procent lägre klimatpåverkan per portion.",
        "Elever, kökspersonal och leverantörer.",
    ),
    "tunnels": (
        "kommun",
        "Översvämningssäkring av gångtunnlar",
        S.NEED,
        DRAFT,
        Category.INFRASTRUCTURE,
        [Theme.RESILIENCE, Theme.SECURITY],
        ["45000000"],
        None,
        "Gångtunnlarna svämmar över vid skyfall och blir farliga.",
        "Vatten samlas i tunnlarna på några minuter; ingen varnas.",
        "Tunnlar som stängs eller töms innan någon kommer till skada.",
        "Gående och cyklister, räddningstjänsten.",
    ),
    "falls": (
        "region",
        "Sensorer för fallprevention i vården",
        S.DIALOGUE,
        PUB,
        Category.CARE,
        [Theme.SECURITY],
        ["33000000"],
        6_000_000,
        "Vi vill upptäcka risk för fall innan patienten faller, utan kameror.",
        "Fall på vårdavdelningar ger svåra skador och långa vårdtider.",
        "Halverat antal fall med skada på de avdelningar som deltar.",
        "Patienter, vårdpersonal och anhöriga.",
    ),
    "crisis": (
        "region",
        "Säker kommunikation vid kris",
        S.MARKET_ANALYSIS,
        PUB,
        Category.IT,
        [Theme.RESILIENCE, Theme.SECURITY],
        ["32000000", "64000000"],
        3_500_000,
        "Vårdens enheter ska kunna nå varandra även när mobilnätet ligger nere.",
        "Vid elavbrott och nätstörningar tappar vårdcentralerna kontakten med sjukhusen.",
        "Kommunikation som fungerar i minst 72 timmar utan el och mobilnät.",
        "Vårdenheter, krisledning och patienter.",
    ),
    "reuse": (
        "region",
        "Återbruk av medicinteknisk utrustning",
        S.PROCUREMENT,
        PUB,
        Category.RECYCLING,
        [Theme.SUSTAINABILITY],
        ["90000000", "33000000"],
        1_500_000,
        "Fungerande utrustning slängs när den byts ut; vi vill återbruka den.",
        "Det saknas rutiner och mottagare för begagnad medicinteknik.",
        "Minst hälften av utbytt utrustning återbrukas eller återvinns som material.",
        "Medicinteknisk avdelning och mottagare i andra verksamheter.",
    ),
    "sickrides": (
        "region",
        "Elektrifierad sjukresetrafik",
        S.FOLLOW_UP,
        PUB,
        Category.TRANSPORT,
        [Theme.SUSTAINABILITY],
        ["60000000"],
        20_000_000,
        "Sjukresorna körs med elfordon sedan förra året; vi följer upp resultatet.",
        "Långa avstånd och kyla gjorde att elfordon länge inte räckte till.",
        "Lägre utsläpp och samma punktlighet som tidigare.",
        "Patienter som reser till vården, trafikföretagen.",
    ),
    "storage": (
        "region",
        "Energilager för sjukhusets reservkraft",
        S.NEED,
        DRAFT,
        Category.ENERGY,
        [Theme.RESILIENCE],
        ["09000000", "31000000"],
        None,
        "Dieselaggregaten ska kompletteras med energilager.",
        "Reservkraften bygger helt på diesel som måste lagras och bytas ut.",
        "Reservkraft i minst fyra timmar utan diesel.",
        "Sjukhusets patienter och driftavdelningen.",
    ),
}

# need key: list of (conclusion, trl, evidence) — several rows keep a history of versions
ASSESSMENTS = {
    "solar": [(Conclusion.OTHER_MARKET, 7, "Lättviktspaneler används på tak i Tyskland men inte i Sverige.")],
    "homecare": [(Conclusion.UNTESTED, 6, "Tre leverantörer har planeringsstöd i pilotdrift, ingen i full skala.")],
    "machines": [
        (Conclusion.AVAILABLE, 9, "Eldrivna maskiner finns hos flera tillverkare och används i andra kommuner.")
    ],
    "falls": [(Conclusion.NEW_DEVELOPMENT, 3, "Ingen leverantör kan förutse fall utan kameror; forskning pågår.")],
    "crisis": [
        (Conclusion.UNTESTED, 5, "Första bedömningen: satellitlösningar finns men är oprövade i vården."),
        (Conclusion.NEW_DEVELOPMENT, 4, "Efter dialog med fem leverantörer: en sammanhållen lösning saknas."),
    ],
}

# What each version publishes (public summary, publish the conclusion, publish the TRL); a version not listed
# publishes nothing, so the demo has needs whose assessment stays internal ("machines").
PUBLIC_ASSESSMENTS = {
    ("solar", 1): (
        "Lätta solpaneler för tak med låg bärighet finns på andra marknader. Vi vill veta vad som krävs för att "
        "använda dem på våra skolor och förskolor.",
        True,
        True,
    ),
    ("homecare", 1): (
        "Det finns planeringsstöd för hemtjänsten i pilotdrift. Vi söker erfarenheter från verklig drift.",
        False,
        False,
    ),
    ("falls", 1): (
        "Vi har inte hittat någon lösning som förutser fall utan kameror och söker leverantörer som vill utveckla "
        "en sådan tillsammans med oss.",
        False,
        True,
    ),
    ("crisis", 1): (
        "Vi kartlägger lösningar för kommunikation i vården när ordinarie nät slutar fungera.",
        False,
        False,
    ),
    ("crisis", 2): (
        "Efter dialog med leverantörer ser vi att en sammanhållen lösning saknas. Vi planerar en "
        "innovationsupphandling och vill höra från fler leverantörer.",
        True,
        True,
    ),
}


def _need(world, key, codes) -> Need:
    buyer, title, stage, visibility, category, themes, divisions, value, summary, problem, effects, affected = NEEDS[
        key
    ]
    organisation = world["organisations"][buyer]
    need, created = Need.objects.get_or_create(
        organisation=organisation,
        title=title,
        defaults={
            "stage": stage,
            "visibility": visibility,
            "category": category,
            "themes": [str(t) for t in themes],
            "estimated_value": value,
            "summary": summary,
            "problem": problem,
            "desired_effects": effects,
            "affected": affected,
            "author": world["users"][buyer],
            "published_at": timezone.now() - timedelta(days=30) if visibility == PUB else None,
            "planned_start": (timezone.now() + timedelta(days=180)).date(),
        },
    )
    if created:
        need.cpv_codes.set([codes[d] for d in divisions if d in codes])
        update_search_vectors(need=need)
    return need


def _assess(world, need, key):
    created_any = False
    for version, (conclusion, trl, evidence) in enumerate(ASSESSMENTS.get(key, []), start=1):
        suggestion = suggest_procedure(conclusion=conclusion, trl=trl)
        public_summary, publish_conclusion, publish_trl = PUBLIC_ASSESSMENTS.get((key, version), ("", False, False))
        _assessment, created = MarketGapAssessment.objects.get_or_create(
            need=need,
            version=version,
            defaults={
                "conclusion": conclusion,
                "trl": trl,
                "evidence": evidence,
                "source_desk_research": True,
                "source_suppliers": version > 1 or conclusion != Conclusion.AVAILABLE,
                "suppliers_consulted": 5 if version > 1 else 3,
                "risks": "Leverantörerna är få och lösningen kan bli dyrare än beräknat.",
                "suggested_procedure": suggestion.procedure,
                "chosen_procedure": suggestion.procedure,
                "rationale": "Vi följer portalens förslag.",
                "public_summary": public_summary,
                "publish_conclusion": publish_conclusion,
                "publish_trl": publish_trl,
                "author": world["users"][NEEDS[key][0]],
            },
        )
        created_any = created_any or created
    if created_any:
        update_search_vectors(need=need)  # the public summary is searchable


def _call(world, need, title, kind, status, opens_delta, closes_delta, *, published=True, reason="") -> Call:
    now = timezone.now()
    opens, closes = now + opens_delta, now + closes_delta
    call, created = Call.objects.get_or_create(
        need=need,
        title=title,
        defaults={
            "kind": kind,
            "status": status,
            "description": f"{need.summary} Vi vill veta vad marknaden kan erbjuda i dag och inom två år.",
            "questions_to_market": (
                "Vilken lösning kan ni erbjuda?\nVilken mognadsgrad (TRL) har den?\nVad skulle ett pilotprojekt kosta?"
            ),
            "opens_at": opens,
            "closes_at": closes,
            "published_at": opens - timedelta(days=1) if published else None,
            "opened_at": opens if status in (Call.Status.OPEN, Call.Status.CLOSED) else None,
            "closed_at": closes if status == Call.Status.CLOSED else None,
            "cancel_reason": reason,
            "created_by": world["users"][NEEDS_BY_TITLE[need.title]],
            "alerts_sent_at": opens if status != Call.Status.DRAFT else None,
        },
    )
    if created:
        update_search_vectors(call=call)
    set_market_questions(call=call, questions=parse_questions(call.questions_to_market))
    return call


NEEDS_BY_TITLE = {value[1]: value[0] for value in NEEDS.values()}


def _response(world, call, company, status, trl, summary, *, answers=(), price=350_000):
    """A response with its answers to the call's numbered questions (answers[0] to question 1 …; "" skips one)."""
    now = timezone.now()
    response, _created = Response.objects.get_or_create(
        call=call,
        organisation=world["organisations"][company],
        defaults={
            "status": status,
            "trl": trl,
            "summary": summary,
            "description": "Vi beskriver lösningen, hur den har provats och hur en pilot kan genomföras.",
            "references": "Pilot hos en annan kommun 2025.",
            "price_indication": price,
            "author": world["users"][company],
            "submitted_at": now - timedelta(days=2) if status != Response.Status.DRAFT else None,
            "withdrawn_at": now - timedelta(days=1) if status == Response.Status.WITHDRAWN else None,
        },
    )
    if answers and not response.answers.exists():  # a second run keeps what was answered since
        save_answers(response=response, answers=dict(enumerate(answers, start=1)))


def _question(world, call, company, text, answer=""):
    Question.objects.get_or_create(
        call=call,
        text=text,
        defaults={
            "organisation": world["organisations"][company],
            "asked_by": world["users"][company],
            "answer": answer,
            "answered_by": world["users"][NEEDS_BY_TITLE[call.need.title]] if answer else None,
            "answered_at": timezone.now() - timedelta(hours=5) if answer else None,
            # An answered demo question is published; an unanswered one awaits the buyer's moderation.
            "public_text": text,
            "status": Question.Status.PUBLISHED if answer else Question.Status.PENDING,
            "published_at": timezone.now() - timedelta(hours=5) if answer else None,
        },
    )


def seed(world) -> None:
    # The whole vocabulary with Swedish and English labels when the data files are there (a second run changes
    # nothing); the 45 divisions in any case.
    load_vocabulary()
    load_divisions()
    codes = CpvCode.objects.in_bulk([division for value in NEEDS.values() for division in value[6]])
    needs = {key: _need(world, key, codes) for key in NEEDS}
    for key, need in needs.items():
        _assess(world, need, key)

    day = timedelta(days=1)
    k, o = Call.Kind, Call.Status
    solar = _call(world, needs["solar"], "RFI: lätta solpaneler för små tak", k.RFI, o.OPEN, -5 * day, 20 * day)
    falls = _call(
        world, needs["falls"], "Idétävling: förutse fall utan kameror", k.IDEA_COMPETITION, o.OPEN, -2 * day, 30 * day
    )
    homecare = _call(
        world, needs["homecare"], "Marknadssamråd om planeringsstöd", k.CONSULTATION, o.CLOSED, -40 * day, -10 * day
    )
    machines = _call(
        world,
        needs["machines"],
        "RFI: eldrivna parkmaskiner",
        k.RFI,
        o.CANCELLED,
        -20 * day,
        10 * day,
        reason="Vi har fått tillräckligt underlag från andra kommuner och går direkt till upphandling.",
    )
    _call(
        world, needs["crisis"], "RFI: reservkommunikation för vården", k.RFI, o.DRAFT, 7 * day, 37 * day
    )  # published, opens later
    _call(
        world,
        needs["reuse"],
        "Marknadssamråd om återbruk",
        k.CONSULTATION,
        o.DRAFT,
        14 * day,
        44 * day,
        published=False,
    )

    _response(
        world,
        solar,
        "foretag",
        Response.Status.SUBMITTED,
        7,
        "Lätta solpaneler som limmas på taket.",
        answers=(
            "Tunna glasfria paneler som limmas direkt på takduken, utan infästning genom taket.",
            "TRL 7: installerade på tre lagerbyggnader sedan 2024.",
            "Omkring 350 000 kronor för en pilot på ett tak med uppföljning under ett år.",
        ),
    )
    _response(
        world,
        solar,
        "startup",
        Response.Status.DRAFT,
        5,
        "Solfilm som följer takets form.",
        answers=("Böjlig solfilm som följer takets form.", "", ""),
        price=None,
    )
    _response(
        world,
        falls,
        "startup",
        Response.Status.SUBMITTED,
        4,
        "Radarsensor som känner av ostadig gång.",
        answers=(
            "En radarsensor i taket som känner av ostadig gång utan att filma.",
            "TRL 4: provad i labbmiljö, inte hos patienter ännu.",
            "",
        ),
        price=180_000,
    )
    _response(world, falls, "foretag", Response.Status.DRAFT, 3, "Golvsensorer som larmar vid ovanliga rörelser.")
    _response(world, homecare, "foretag", Response.Status.WITHDRAWN, 6, "Ruttplanering med AI.")
    _response(
        world,
        homecare,
        "startup",
        Response.Status.SUBMITTED,
        6,
        "Planeringsstöd som bygger om schemat själv.",
        answers=(
            "Ett planeringsstöd som bygger om hemtjänstens schema när någon blir sjuk.",
            "TRL 6: provat i en kommun under tre månader.",
            "En pilot på sex månader kostar omkring 420 000 kronor inklusive utbildning.",
        ),
        price=420_000,
    )
    _response(world, machines, "startup", Response.Status.WITHDRAWN, 9, "Hyra av eldrivna maskiner.")

    _question(
        world,
        solar,
        "startup",
        "Får lösningen kräva att takduken byts?",
        "Nej, taken ska inte behöva byggas om. Beskriv i så fall vad som krävs.",
    )
    _question(world, solar, "foretag", "Finns ritningar över taken att tillgå?")
    _question(
        world,
        falls,
        "foretag",
        "Får sensorerna bäras av patienten?",
        "Ja, men lösningen får inte kräva att patienten själv kommer ihåg något.",
    )

    # An amendment to an open call, and a company member following another (projects.amendments, .following).
    Amendment.objects.get_or_create(
        call=solar,
        number=1,
        defaults={
            "text": "Takens bärförmåga är nu angiven i beskrivningen: högst 15 kg per kvadratmeter.",
            "previous_closes_at": solar.closes_at,
            "created_by": world["users"][NEEDS_BY_TITLE[solar.need.title]],
        },
    )
    CallFollow.objects.get_or_create(call=falls, user=world["users"]["foretag"])

    foretag, _ = InterestProfile.objects.get_or_create(
        organisation=world["organisations"]["foretag"],
        defaults={
            "categories": [Category.ENERGY.value, Category.BUILDINGS.value],
            "themes": [Theme.SUSTAINABILITY.value],
            "keywords": "solceller, belysning, energilager",
        },
    )
    if not foretag.cpv_codes.exists():
        foretag.cpv_codes.set([c for c in [codes.get("09000000")] if c])
    startup, _ = InterestProfile.objects.get_or_create(
        organisation=world["organisations"]["startup"],
        defaults={
            "categories": [Category.CARE.value, Category.IT.value],
            "themes": [Theme.SECURITY.value],
            "keywords": "sensor, AI, planering",
        },
    )
    if not startup.cpv_codes.exists():
        startup.cpv_codes.set([c for c in [codes.get("33000000"), codes.get("72000000")] if c])
