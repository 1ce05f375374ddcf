"""The portal's suggestion of a procurement route from the market-gap conclusion and the TRL estimate.

One function, `suggest_procedure`, holds every rule; tests cover each conclusion × TRL band.
The buyer may always choose another procedure: this is advice, not a decision.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Conclusion, Procedure


class TrlBand:
    LOW = "low"  # TRL 1–4: research and lab validation
    MIDDLE = "middle"  # TRL 5–6: validated or demonstrated in a relevant environment
    HIGH = "high"  # TRL 7–9: prototype in operation up to proven system

    LABELS = {LOW: _("TRL 1–4"), MIDDLE: _("TRL 5–6"), HIGH: _("TRL 7–9")}


def trl_band(trl: int) -> str:
    if not 1 <= int(trl) <= 9:
        raise ValueError(f"TRL must be 1–9, not {trl}")
    if trl <= 4:
        return TrlBand.LOW
    if trl <= 6:
        return TrlBand.MIDDLE
    return TrlBand.HIGH


@dataclass(frozen=True)
class Suggestion:
    procedure: str
    reason: Promise | str

    @property
    def label(self):
        return Procedure(self.procedure).label


_PCP = _(
    "No finished solution exists and the technology is still immature. Pre-commercial procurement buys research "
    "and development in competing phases (solution design, prototype, test series) without committing to buy the "
    "result; a later procurement buys the winning solution."
)
_PARTNERSHIP_NEW = _(
    "Something new has to be developed, and the technology is mature enough to plan the purchase now. An "
    "innovation partnership lets the same procedure cover both the development and the purchase of the result."
)
_PARTNERSHIP_UNTESTED = _(
    "Solutions exist but have only been shown in a test environment. An innovation partnership lets suppliers "
    "verify them in your operations in stages before you buy, in one procedure."
)
_PARTNERSHIP_ADAPT = _(
    "Solutions exist on another market but the technology for your use is immature, so adapting them is real "
    "development. An innovation partnership covers the adaptation and the purchase in one procedure."
)
_DIALOGUE = _(
    "Solutions exist elsewhere, but how they should be adapted to your needs cannot yet be specified. A competitive "
    "dialogue lets you work out the solution with the suppliers before they tender."
)
_DIALOGUE_NEW_HIGH = _(
    "The parts exist and are mature, but no one has put them together for your need, so the solution cannot be "
    "specified in advance. A competitive dialogue lets you shape it with the suppliers before they tender."
)
_FUNCTIONAL_UNTESTED = _(
    "Solutions are close to market but unproven in your setting. Procure with functional requirements (describe "
    "the result, not the product) and ask for a verification or pilot phase in the contract."
)
_FUNCTIONAL_ADAPT = _(
    "Mature solutions exist on another market. Procure with functional requirements so that suppliers can offer "
    "adapted solutions, and state the effects you need rather than a product."
)
_ORDINARY = _("The market covers the need with proven solutions. An ordinary procurement is enough.")
_ORDINARY_CHECK_TRL = _(
    "You concluded that the market covers the need, which suggests an ordinary procurement, but your TRL estimate "
    "is low for a proven solution. Check the estimate, or reconsider the conclusion."
)

RULES: dict[tuple[str, str], tuple[str, Promise]] = {
    (Conclusion.NEW_DEVELOPMENT, TrlBand.LOW): (Procedure.PCP, _PCP),
    (Conclusion.NEW_DEVELOPMENT, TrlBand.MIDDLE): (Procedure.INNOVATION_PARTNERSHIP, _PARTNERSHIP_NEW),
    (Conclusion.NEW_DEVELOPMENT, TrlBand.HIGH): (Procedure.COMPETITIVE_DIALOGUE, _DIALOGUE_NEW_HIGH),
    (Conclusion.UNTESTED, TrlBand.LOW): (Procedure.PCP, _PCP),
    (Conclusion.UNTESTED, TrlBand.MIDDLE): (Procedure.INNOVATION_PARTNERSHIP, _PARTNERSHIP_UNTESTED),
    (Conclusion.UNTESTED, TrlBand.HIGH): (Procedure.FUNCTIONAL, _FUNCTIONAL_UNTESTED),
    (Conclusion.OTHER_MARKET, TrlBand.LOW): (Procedure.INNOVATION_PARTNERSHIP, _PARTNERSHIP_ADAPT),
    (Conclusion.OTHER_MARKET, TrlBand.MIDDLE): (Procedure.COMPETITIVE_DIALOGUE, _DIALOGUE),
    (Conclusion.OTHER_MARKET, TrlBand.HIGH): (Procedure.FUNCTIONAL, _FUNCTIONAL_ADAPT),
    (Conclusion.AVAILABLE, TrlBand.LOW): (Procedure.ORDINARY, _ORDINARY_CHECK_TRL),
    (Conclusion.AVAILABLE, TrlBand.MIDDLE): (Procedure.ORDINARY, _ORDINARY_CHECK_TRL),
    (Conclusion.AVAILABLE, TrlBand.HIGH): (Procedure.ORDINARY, _ORDINARY),
}


def suggest_procedure(*, conclusion: str, trl: int) -> Suggestion:
    """The suggested procedure and the reasoning behind it. Raises ValueError for an unknown conclusion or TRL."""
    try:
        procedure, reason = RULES[(Conclusion(conclusion), trl_band(trl))]
    except (KeyError, ValueError) as error:
        raise ValueError(f"No rule for conclusion={conclusion!r}, trl={trl!r}") from error
    return Suggestion(procedure=procedure, reason=reason)
