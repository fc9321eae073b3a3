"""Basic public health and chronic disease in family-doctor teams (pure, backend-free).

- `spec`, `loader`: the rules as a pack (chronic-disease definitions, programme units,
  assessment weights, workload equivalents, subsidy rule), with their clauses;
- `register`: chronic-disease registers from diagnoses, contracts and service records —
  found, registered, managed, standardised management, follow-up on schedule, control, overdue,
  long prescriptions;
- `assessment`: programme completion in each programme's own unit, the village assessment score
  and the standardised workload behind the village share (P13);
- `subsidy`: the village clinics' subsidy from score and fund, to the fen, with a ledger;
- `links`: the medical–prevention link (chronic-disease admissions not registered or not
  followed up; avoidable admissions).

Inputs and outputs are Arrow tables and plain values; the services read the warehouse.
"""

from __future__ import annotations
