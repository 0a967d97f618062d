"""Findings: what every check returns.

A finding is a small frozen record. A list of them decides a step's status and
turns into a DataFrame for display.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .redact import redact, shortened

SEVERITIES = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One observation about the input.

    Attributes:
        severity: "error", "warning" or "info".
        code: a stable code listed in the README, e.g. ``CERT_EXPIRED``.
        message: one sentence a consultant understands, with the value at fault (English;
            :meth:`text` gives it in the run's language).
        source: a path relative to the settings file, or a settings key.
        location: ``sheet!row`` or similar; empty when the whole source is meant.
        template: the English message template (the key of its Danish form in
            :mod:`ngdpkit.catalogue`); empty for a finding made from a plain sentence.
        params: the values the message names, already formatted as text.
    """

    severity: str
    code: str
    message: str
    source: str = ""
    location: str = ""
    template: str = field(default="", compare=False)
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise ValueError(f"unknown severity {self.severity!r}")
        # The sanitising boundary: a message may quote a library's error text, which may
        # quote a secret (contract §10). No finding ever holds one.
        for name in ("message", "source", "location"):
            value = getattr(self, name)
            cleaned = redact(value) if isinstance(value, str) else str(value)
            if cleaned != value:
                object.__setattr__(self, name, cleaned)
        if self.params:
            object.__setattr__(self, "params", {k: redact(str(v)) for k, v in self.params.items()})

    def text(self, language: str = "en") -> str:
        """The message in ``language`` ("da" or "en"), from the catalogue when it has one."""
        if language != "da" or not self.template:
            return self.message
        return danish_text(self.template, self.params) or self.message

    def to_dict(self, language: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "message": self.text(language),
            "source": self.source,
            "location": self.location,
            "params": dict(self.params),
        }
        if self.template:
            out["template"] = self.template
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        params = data.get("params")
        return cls(
            severity=data["severity"],
            code=data["code"],
            message=data["message"],
            source=data.get("source", "") or "",
            location=data.get("location", "") or "",
            template=str(data.get("template") or ""),
            params=dict(params) if isinstance(params, dict) else {},
        )


@dataclass(frozen=True, slots=True)
class SentenceValue:
    """A value a sentence names: data (an ID, a status, a library's reason), as text."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence the kit says that is not a finding (an acceptance test's step, why a
    decision was refused): its English template, the key of its Danish form in
    :mod:`ngdpkit.catalogue` as a finding's is, and the values it names."""

    template: str
    params: tuple[SentenceValue, ...] = ()

    @classmethod
    def of(cls, template: str, **params: Any) -> Sentence:
        """The sentence ``template`` names ``params`` in: each formatted once as the English
        template says, as one line without secrets (a value may quote a library's error)."""
        from .redact import one_line

        _, formatted = format_params(template, params)
        return cls(
            template, tuple(SentenceValue(k, one_line(str(v))) for k, v in formatted.items())
        )

    def text(self, language: str) -> str:
        """The sentence in ``language``; in Danish from the catalogue. Empty when the
        template is not the kit's own (one read from a file is never formatted)."""
        from .catalogue import DANISH

        if self.template not in DANISH:
            return ""
        values = {p.name: p.value for p in self.params}
        text = danish_text(self.template, values) if language == "da" else None
        return text or english_text(self.template, values) or ""


_AND_MORE = re.compile(r"(.+) and ([0-9]+) more", re.DOTALL)

# A time as the kit writes it into a message's values: ISO 8601 with its zone
# (2026-12-04T10:06:00+01:00, 2026-12-05T18:14:16Z), or watch's 2026-12-05 06:16 UTC.
_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
    r"| [0-9]{2}:[0-9]{2} UTC| [0-9]{2}:[0-9]{2} \(Copenhagen\))"
)
_COPENHAGEN = " (Copenhagen)"  # local_time's English form, read back for the Danish one
# A day alone, as the English templates write it ({not_valid_after_utc:%Y-%m-%d}): Danish
# writes it 07-11-2026 (a signer's read: "Certifikatet udløb 2026-11-07" on a Danish page
# whose every other date was 07-11-2026), only where the kit wrote the day (DAY_PARAMS);
# CERT_REVOKED's {value} is the day after a space
_DAY = re.compile(r"( ?)([0-9]{4}-[0-9]{2}-[0-9]{2})")


def local_time(value: dt.datetime | str, language: str) -> str:
    """A time in Europe/Copenhagen, as people there read it: ``04-12-2026 kl. 10:06`` in
    Danish, ``2026-12-04 10:06 (Copenhagen)`` in English. A text that is no time is
    returned as it is; one without a zone is read in this machine's."""
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        text = value
        if _TIME.fullmatch(text):
            text = text.replace("Z", "+00:00").replace(" UTC", "+00:00")
        try:
            if text.endswith(_COPENHAGEN):
                value = dt.datetime.fromisoformat(text.removesuffix(_COPENHAGEN)).replace(
                    tzinfo=ZoneInfo("Europe/Copenhagen")
                )
            else:
                value = dt.datetime.fromisoformat(text)
        except (ValueError, KeyError):  # not a time (a month 13), or no tz database
            return str(value)
    try:
        local = value.astimezone(ZoneInfo("Europe/Copenhagen"))
    except (OverflowError, ValueError):  # a time at the edge of year 1 or 9999: as written
        return value.isoformat(timespec="minutes")
    except Exception:  # no tz database (some Windows installs without tzdata): show UTC
        try:
            return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        except (OverflowError, ValueError):
            return value.isoformat(timespec="minutes")
    return (
        local.strftime("%d-%m-%Y kl. %H:%M")
        if language == "da"
        else local.strftime("%Y-%m-%d %H:%M (Copenhagen)")
    )


def in_copenhagen(value: dt.datetime) -> dt.datetime:
    """``value`` in Europe/Copenhagen, for a template that writes its day
    (``{not_valid_after_utc:%Y-%m-%d}``): a certificate that ends at 23:30 UTC ends the next
    day in Denmark, and the page's card beside the finding said that day. A time without a
    zone is UTC (as the certificate library gives them); as it is without a tz database."""
    from zoneinfo import ZoneInfo

    try:
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(
            ZoneInfo("Europe/Copenhagen")
        )
    except (KeyError, OverflowError, ValueError):  # no tz database (ZoneInfoNotFoundError),
        return value  # or a time at the edge of year 1 or 9999: as written


def aware_time(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time as the kit's files hold it (``2026-12-07T10:00:00Z``, or with an
    offset) with its zone, UTC when it names none; None when ``text`` is empty or no time,
    or no text at all (a number or a list where an old or hand-edited file held a time)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, TypeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def has_passed(text: str | None, now: dt.datetime) -> bool:
    """The time ``text`` (read by :func:`aware_time`) lies at or before ``now``: a
    certificate that ended under a day ago has 0 whole days left, and has expired all the same."""
    end = aware_time(text)
    return end is not None and end <= now


def _danish_value(value: Any, words: dict[str, str]) -> Any:
    """A parameter in Danish when it is made of fixed English words the catalogue knows:
    the whole value, else a list's "and N more" (:func:`first_of`) and its items, else each
    part of a ``; ``- or ``, ``-separated list, else the head of a ``head: rest`` pair. Data
    (IDs, names, addresses) passes unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value in words:
        return words[value]
    if _TIME.fullmatch(value):  # a time with its zone, as a Dane reads it
        return local_time(value, "da")
    more = _AND_MORE.fullmatch(value)  # first_of's "a, b, c, d, e and 13 more"
    if more:
        return f"{_danish_value(more.group(1), words)} og {more.group(2)} mere"
    for sep in ("; ", ", "):
        if sep in value:
            return sep.join(str(_danish_value(part, words)) for part in value.split(sep))
    head, colon, rest = value.partition(": ")
    if colon and head in words:
        return f"{words[head]}: {rest}"
    return value


def _danish_day(value: Any) -> Any:
    """``2026-11-07`` as ``07-11-2026`` (CERT_REVOKED's " 2026-01-31" keeps its space); any
    other value unchanged."""
    day = _DAY.fullmatch(value) if isinstance(value, str) else None
    if day is None:
        return value
    try:
        return day.group(1) + dt.date.fromisoformat(day.group(2)).strftime("%d-%m-%Y")
    except ValueError:
        return value


# Parameters that hold a day the kit computed, in the English template's ISO form, besides
# those whose template formats them so (``{not_valid_after_utc:%Y-%m-%d}``): a day quoted
# from the settings (``[golive] eboks_disable (2027-02-04)``) stays as the consultant typed it
DAY_PARAMS: dict[str, frozenset[str]] = {
    "The certificate was revoked{value} (OCSP {url}).": frozenset({"value"}),
}


@functools.lru_cache(maxsize=1024)  # one parse per template, not per finding said in Danish
def _day_params(template: str) -> frozenset[str]:
    """The parameters of ``template`` that hold a day the kit wrote in ISO form."""
    try:
        specs = {
            name
            for _lit, name, spec, _conv in string.Formatter().parse(template)
            if name and spec and "%Y-%m-%d" in spec
        }
    except ValueError:  # a template from a file (a forged findings.json) that does not parse
        specs = set()
    return frozenset(specs) | DAY_PARAMS.get(template, frozenset())


def _plain(template: str) -> str:
    """The template with its conversions and format specs taken out (the parameters are
    formatted once, at construction, with the English template's specs)."""
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + name + "}")
    return "".join(out)


# Parameters that name what a person types or looks up as it is written: a settings key, a
# column's key, a JSON field (a day one: PENDING_CERTIFICATE read "certifikat er ikke sat
# endnu", where the settings key is `certificate` and every other PENDING_ named its key).
VERBATIM = frozenset({"key"})


def danish_text(template: str, params: dict[str, Any]) -> str | None:
    """``template``'s Danish form from the catalogue with ``params`` (already formatted as
    text; fixed English words among them in Danish), secrets removed; None when the
    catalogue has no Danish form of it or the parameters do not fit it."""
    from .catalogue import DANISH, VALUES_DA

    danish = DANISH.get(template)
    if danish is None:
        return None
    days = _day_params(template)
    values = {
        k: _danish_day(v) if k in days else v if k in VERBATIM else _danish_value(v, VALUES_DA)
        for k, v in params.items()
    }
    try:
        return redact(with_plurals(_plain(danish), values).format(**values))
    except (LookupError, ValueError, AttributeError, TypeError, OverflowError):
        # a template or values from a file (a forged findings.json) that do not fit
        return None


def english_text(template: str, params: dict[str, Any]) -> str | None:
    """``template`` with ``params`` already formatted as text, secrets removed; None when
    they do not fit it."""
    try:
        return redact(with_plurals(_plain(template), params).format(**params))
    except (LookupError, ValueError, AttributeError, TypeError, OverflowError):
        # a template or values from a file (a forged findings.json) that do not fit
        return None


# "{count} letter(s)", "{n} postkasse(r)", "{n} deliver(y|ies)": a count and its noun with the
# plural's ending in brackets (or both endings), as the templates write it, and a verb right
# after it that agrees (``wait(s|)``: singular first); resolved in the template before its
# values go in (a value, such as a name that holds "2 borger(e)", is data).
_TEMPLATE_HEDGE = re.compile(
    r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\} ((?:\w+ )?\w*)\((\w*)(?:\|(\w*))?\)"
    r"(?: (\w+)\((\w*)\|(\w*)\))?"
)


def with_plurals(template: str, values: dict[str, Any]) -> str:
    """``template`` with each count's noun in the form its value takes: ``{count} letter(s)``
    is ``1 letter`` or ``12 letters``, ``{n} brev(e)`` ``12 breve``, and one word may stand
    between (``{n} tidligere beslutning(er)``). A count the values do not hold is left as it
    is."""
    if "(" not in template:
        return template

    def said(m: re.Match[str]) -> str:
        value = str(values.get(m.group(1), ""))
        if not re.fullmatch(r"[0-9][0-9.,]*", value):
            return m.group(0)
        one = value == "1"
        head = m.group(0)[: m.start(2) - m.start(0)] + m.group(2)
        verb = ""
        if m.group(5) is not None:  # a verb that agrees: wait(s|) is "waits" for one
            verb = " " + m.group(5) + (m.group(6) if one else m.group(7))
        if m.group(4) is not None:  # word(singular|plural)
            return head + (m.group(3) if one else m.group(4)) + verb
        if m.group(3) not in ("s", "es", "r", "e", "er"):
            return m.group(0)
        return head + ("" if one else m.group(3)) + verb

    return _TEMPLATE_HEDGE.sub(said, template)


# The most characters of a value a message quotes (``{name!r}``: by the kit's convention a
# value from a workbook, a settings file or an answer): cut to it, secrets hidden first, "..."
# at the cut, so a hostile one stays readable (an attacker's look: a Postkasse IDs cell of
# 32,000 characters stood whole in CONTACT_POINT_VALUE_INVALID, on the console, the pages and
# findings.json); the finding's source and location still name the file, the row or the key.
PARAM_CHARACTERS = 200
# ... and of any other text a message names: above the kit's own sentences (a PENDING_
# finding's {what}, which the Danish pages translate whole through catalogue.VALUES_DA), so
# only an input's value unquoted is ever cut by it
TEXT_CHARACTERS = 1000


def format_params(template: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(the English text, the parameters as text): each parameter formatted once with the
    conversion and format spec the English template gives it, a quoted text longer than
    :data:`PARAM_CHARACTERS` cut to it and any other longer than :data:`TEXT_CHARACTERS` to
    that (:func:`redact.shortened`)."""
    formatted: dict[str, Any] = {}
    for name, spec, conv in _fields(template):
        if name not in params or name in formatted:
            continue
        value = params[name]
        limit = PARAM_CHARACTERS if conv == "r" else TEXT_CHARACTERS
        if isinstance(value, str) and len(value) > limit:
            value = shortened(value, limit)
        value = repr(value) if conv == "r" else str(value) if conv == "s" else value
        formatted[name] = format(value, spec)
    try:
        text = with_plurals(_plain(template), formatted).format(**formatted)
    except (KeyError, IndexError, ValueError):
        text = template
    return text, formatted


@functools.lru_cache(maxsize=4096)
def _fields(template: str) -> tuple[tuple[str, str, str | None], ...]:
    """The replacement fields of ``template`` (name, format spec, conversion), parsed once
    per template: a run of 100,000 mailboxes makes some 50,000 findings of a few dozen
    literal templates, and parsing each again (with the cut's checks) cost a tenth of a second."""
    return tuple(
        (name, spec or "", conv)
        for _literal, name, spec, conv in string.Formatter().parse(template)
        if name is not None
    )


def _make(
    severity: str, code: str, template: str, source: str, location: str, params: dict[str, Any]
) -> Finding:
    if not params:
        return Finding(severity, code, template, source, location, template=template)
    message, formatted = format_params(template, params)
    return Finding(severity, code, message, source, location, template=template, params=formatted)


def error(code: str, message: str, source: str = "", location: str = "", **params: Any) -> Finding:
    """An error: ``message`` is an English template naming ``params`` (``{name}``)."""
    return _make("error", code, message, source, location, params)


def warning(
    code: str, message: str, source: str = "", location: str = "", **params: Any
) -> Finding:
    return _make("warning", code, message, source, location, params)


def info(code: str, message: str, source: str = "", location: str = "", **params: Any) -> Finding:
    return _make("info", code, message, source, location, params)


def first_of(items: Iterable[Any], *, limit: int = 5) -> str:
    """``a, b, c, d, e and 3995 more``: findings never grow faster than the input (a repeated
    value gives one finding with its count and its first places, not one per pair)."""
    seen = [str(x) for x in items]
    head = ", ".join(seen[:limit])
    return head if len(seen) <= limit else f"{head} and {len(seen) - limit} more"


def counts(findings: Iterable[Finding | dict[str, Any]]) -> dict[str, int]:
    """How many errors, warnings and infos (findings or their JSON form)."""
    out = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        severity = f.get("severity") if isinstance(f, dict) else f.severity
        if isinstance(severity, str) and severity in out:
            out[severity] += 1
    return out


def status_of(findings: Iterable[Finding]) -> str:
    """``ok``, ``warnings`` or ``errors``: the worst severity present."""
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "errors"
    if "warning" in severities:
        return "warnings"
    return "ok"


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: _RANK[f.severity])


def findings_frame(findings: Iterable[Finding]) -> Any:
    """The findings as a pandas DataFrame (severity, code, message, source, location)."""
    import pandas as pd

    rows = [f.to_dict() for f in sort_findings(findings)]
    return pd.DataFrame(rows, columns=["severity", "code", "message", "source", "location"])


MAX_PER_CODE = 1000
LEFT_OUT = "{count} more findings with this code were left out; the first {kept} are listed."


class Bounded(list[Finding]):
    """A findings list that never grows faster than its codes (contract §10, issue 26).

    It keeps the first ``per_code`` findings of each code and counts the rest; one summary
    finding per code and severity (same code, :data:`LEFT_OUT` as its template) says how
    many were left out. ``append`` only counts, so that a loop over a million rows makes
    no million summaries: :meth:`settled` (and every ``extend``) writes the summaries.
    Summaries that arrive from another bounded list add their counts.
    """

    def __init__(self, items: Iterable[Finding] = (), *, per_code: int = MAX_PER_CODE) -> None:
        super().__init__()
        self.per_code = per_code
        self._kept: Counter[str] = Counter()
        self._left: Counter[tuple[str, str]] = Counter()
        self._at: dict[tuple[str, str], int] = {}  # where each summary stands
        self._written: dict[tuple[str, str], int] = {}  # the count each summary says
        self.extend(items)

    def append(self, finding: Finding) -> None:
        key = (finding.code, finding.severity)
        if finding.template == LEFT_OUT:
            self._left[key] += int(finding.params.get("count", 0) or 0)
        elif self._kept[finding.code] < self.per_code:
            self._kept[finding.code] += 1
            super().append(finding)
        else:
            self._left[key] += 1

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.append(finding)
        self.settled()

    def full(self, code: str) -> bool:
        """Whether a finding of ``code`` would only be counted now: a loop that makes one
        per group may stop making them and :meth:`count_left` the rest."""
        return self._kept[code] >= self.per_code

    def count_left(self, code: str, severity: str, count: int) -> None:
        """``count`` more findings of ``code`` left out, never made (see :meth:`full`)."""
        if count > 0:
            self._left[(code, severity)] += count

    def __iadd__(self, findings: Iterable[Finding]) -> Bounded:  # type: ignore[override,misc]
        self.extend(findings)  # list's own += would bypass the bound
        return self

    def __iter__(self) -> Iterator[Finding]:
        # Whoever reads the list sees the summaries (list(x), a loop, step.add(x)).
        if self._left:
            self.settled()
        return super().__iter__()

    def settled(self) -> Bounded:
        """This list with one up-to-date summary per code that was cut."""
        for key, count in self._left.items():
            if self._written.get(key) == count:
                continue  # up to date: a loop over the list makes no summary again
            code, severity = key
            summary = _make(
                severity, code, LEFT_OUT, "", "", {"count": count, "kept": self.per_code}
            )
            at = self._at.get(key)
            if at is None:
                self._at[key] = len(self)
                super().append(summary)
            else:
                self[at] = summary
            self._written[key] = count
        return self
