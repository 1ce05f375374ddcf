"""Who may order, see and download a need's decision-support documents: members of the need's organisation."""

import rules

from portal.rules import is_org_member

# Object: the Need.
rules.add_perm("projects.order_decision_document", is_org_member)
rules.add_perm("projects.view_decision_documents", is_org_member)
# Object: the DecisionDocument (its `.organisation` is the need's).
rules.add_perm("projects.view_decisiondocument", is_org_member)
rules.add_perm("projects.retry_decisiondocument", is_org_member)
