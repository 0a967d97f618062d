"""What a run hands over: the dispatcher configuration, the mapping files, the portal and
firewall deliverables, the operations scripts and the checklist.

Imports run downhill: deliverables use the checks, the inputs and the ground, never the pages.
"""
