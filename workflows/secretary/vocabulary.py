"""The words of P4: vacancies, sources, position changes, stipend payers, with their labels.

Kept apart from the schemas so guards, actions and the demo can name them without the forms.
"""

from __future__ import annotations

VACANCIES = ("new_organization", "term_renewal", "position_change")
# SEC-2, in order: the head (if a Party member), management, business backbones, another
# member from inside, and only then one dispatched by the upper Party organization.
SOURCES = ("head", "management", "backbone", "other_member", "dispatched")
POSITION_CHANGES = (
    "left_organization",
    "transferred",
    "resigned",
    "dismissed",
    "deceased",
    "other",
)
STIPEND_PAYERS = ("party_funds", "public_finance", "organization")
EVALUATIONS = ("excellent", "good", "fair", "poor")
# SEC-6/SEC-8: besides the secretary, the Party-affairs workers a Party organization has.
WORKER_POSITIONS = ("deputy_secretary", "party_affairs_worker")
WORKER_POSITION_LABELS = {
    "deputy_secretary": ("副书记", "Deputy secretary"),
    "party_affairs_worker": ("党务工作者", "Party-affairs worker"),
}

# The words of these choices (the engine's vocabulary names the rest: head, management, ...).
POSITION_CHANGE_LABELS = {
    "left_organization": ("离开本组织", "Left the organization"),
    "transferred": ("调动", "Transferred"),
    "resigned": ("辞职", "Resigned"),
    "dismissed": ("免职", "Dismissed"),
    "deceased": ("去世", "Deceased"),
}
SOURCE_LABELS = {"other_member": ("其他党员", "Another member")}
STIPEND_PAYER_LABELS = {
    "party_funds": ("党费", "Party funds"),
    "public_finance": ("财政经费", "Public finance"),
    "organization": ("社会组织支付", "Paid by the organization"),
}
