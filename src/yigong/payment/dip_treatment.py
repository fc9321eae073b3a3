"""The treatment type (治疗方式属性) of a DIP stay from its principal procedure.

DIP groups a diagnosis by how it was treated (reference notes on DIP: 内科诊疗组 / 诊断性操作组 /
治疗性操作组 / 相关手术组). The rule's data (which grouper pack flags operating-room procedures,
which ICD-9-CM-3 ranges are diagnostic) is the policy's ``dip.treatment_types`` section; this is
the rule itself, in plain Python. Data collection runs the same rule inside the database.
"""

from __future__ import annotations

from yigong.payment.dip_catalog import ProcedureKind
from yigong.payment.policy_casemix import DipTreatmentTypes

__all__ = ["treatment_type"]


def treatment_type(
    procedure: str | None, or_codes: frozenset[str], rule: DipTreatmentTypes
) -> ProcedureKind:
    """The treatment type of a stay whose principal procedure is ``procedure``.

    ``or_codes``: the operating-room procedure codes of ``rule.or_pack`` (local codes that its
    procedure map translates to one included).
    """
    if procedure is None or not procedure.strip():
        return ProcedureKind.CONSERVATIVE
    if procedure in or_codes:
        return ProcedureKind.SURGICAL
    digits = procedure.replace(".", "")
    if digits[:2] in rule.category_digits or digits[:3] in rule.subcategory_digits:
        return ProcedureKind.DIAGNOSTIC
    return ProcedureKind.THERAPEUTIC
