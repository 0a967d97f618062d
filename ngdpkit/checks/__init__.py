"""Checks that look beyond the input files: NgDP itself (:mod:`.ngdp`, read-only) and what
it shows compared with the run's plan (:mod:`.ngdp_compare`); the evidence behind each
checklist step (:mod:`.evidence`: confirmations, the WorkZone register, install evidence).

Imports run downhill: checks import the input readers and findings, never the pages.
"""
