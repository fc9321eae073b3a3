"""FHIR R4 (4.0.1) resources for two-way referrals, checked with the R4B models of
``fhir.resources`` (R4B changed none of the elements used here)."""
