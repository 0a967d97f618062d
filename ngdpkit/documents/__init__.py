"""What a person reads: the Jinja2 pages, the views notebooks and the sign-off share, the
runbook, the PDF and its signatures, and the Danish and English words (i18n).

Documents describe deliverables and checks; nothing below them imports them (inputs and
checks register their HTML views here instead: :func:`.display.register_views`).
"""
