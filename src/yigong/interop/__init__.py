"""Interoperability: what yigong hands to other systems, built as plain data and checked
against the receiving side's own models.

- `yigong.interop.fhir`: referrals as FHIR R4 resources (ServiceRequest, Task, Provenance,
  Organization, a pseudonymous Patient), validated with the ``fhir.resources`` R4B models;
  the CapabilityStatement and the search parameters of the read-only FHIR face.
- `yigong.interop.dhis2`: DHIS2 metadata (organisation units of both hierarchies, data
  elements, indicators, data sets) and data values referencing them by code, as JSON, CSV and
  ADX.

An engine-level package: pure builders over rows and records, no warehouse or store access
(services read; the access layer decides visibility). ``docs/interop.md`` tells the versions
followed and how a receiving system loads the output.
"""
