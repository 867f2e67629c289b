"""P1 version 3 (registration.v3.yaml): the documents are the evidence, not ticked boxes.

Version 2's `record_documents` step took a "commitment letter received" checkbox and kept
`data.documents` flags, which the `accept` guard read. From version 3 the two documents REG-1
names — 《社会组织党建工作承诺书》 (附件1) and 《社会组织党员情况调查表》 (附件2) — are
materials of the case file: `accept` requires them in its `materials:` (the engine refuses the
step, citing REG-1, until the case holds both). What stays a step's input is what the survey
says: its figures (REG-2), which the coverage steps read (REG-7). This module holds the input,
the action and the guard of that step; the documents themselves need no code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import fields

from engine.inputs import InputSchema
from engine.rules import Refusal
from engine.snapshot import CaseView, Intent
from workflows.common import label
from workflows.registration.schemas import MemberSurveySchema
from workflows.routing import survey_intents

Payload = Mapping[str, Any] | None


class SurveyFiguresSchema(InputSchema):
    """REG-2: the figures of 《社会组织党员情况调查表》 (附件2), as the caseworker reads them
    off the survey; the survey itself, and the commitment letter, are attached as documents
    (REG-1)."""

    member_survey = fields.Nested(
        MemberSurveySchema,
        required=True,
        # The label version 2 gives the same field: a page showing a recorded payload finds a
        # field's words by its name (web.ui.labels), so one name keeps one label.
        metadata=label(
            "社会组织党员情况调查表",
            "Party-member survey",
            help={
                "zh": "按调查表所填人数登记；调查表本身作为材料附上",
                "en": "The figures as the survey gives them; attach the survey itself as a "
                "document",
            },
        ),
    )


def record_survey_figures(case: CaseView, payload: Mapping[str, Any]) -> Iterable[Intent]:
    """REG-2: the survey's figures go on the case and on the organization (recorded again,
    they replace the earlier ones: a corrected survey)."""
    yield from survey_intents(payload["member_survey"])


def survey_figures_recorded(case: CaseView, payload: Payload) -> Refusal | None:
    """REG-2: an application is accepted with the survey's figures recorded, not only the
    survey attached: how the organization is covered follows from them (REG-7)."""
    if case.data.get("member_survey") is None:
        return Refusal(
            "REG-2",
            zh="尚未登记《社会组织党员情况调查表》所填人数（正式党员、专职工作人员中的正式党员、"
            "预备党员、组织关系在外的党员），请先登记",
            en="The member survey's figures (full members, of which full-time staff, "
            "probationary members, members whose relation is elsewhere) are not recorded yet: "
            "record them first",
        )
    return None


SCHEMAS = {"registration.survey_figures": SurveyFiguresSchema}
ACTIONS = {"registration.record_survey_figures": record_survey_figures}
GUARDS = {"registration.survey_figures_recorded": survey_figures_recorded}
