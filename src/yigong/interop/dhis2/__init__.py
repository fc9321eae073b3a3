"""DHIS2 exchange: metadata (organisation units of the administrative and the medical-community
hierarchy, data elements, indicators, data sets) and the indicator values as data values that
reference it by code (``idScheme=CODE``), in DHIS2's JSON and CSV formats and IHE ADX.

Shapes follow the DHIS2 developer manual (docs.dhis2.org, "Web API" → "Metadata" and "Data":
*Sending data values*, *Sending bulks of data values*, *Identifier schemes*, *CSV data value
format*, *ADX data format*); `yigong.interop.dhis2.shapes` restates them as models the exports
are checked against.
"""
