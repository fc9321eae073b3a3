"""Itemised charges (费用明细): the daily charge list, reconciliation, price adjustment.

Pure engine: the daily list of an inpatient stay (一日清单: per day, per category, running
totals, the total against the settlement), its PDF in either language, the reconciliation of
items with front pages and settlements as Ibis expressions, and the price-adjustment simulator
(trigger indicators, a revenue-neutral adjustment under total control and its effects on each
institution, the fund and patients). Nothing here opens a warehouse.
"""
