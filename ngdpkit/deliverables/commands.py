"""The kit's own command lines as a deliverable tells a person to type them: whole, so that
a command copied from the runbook or the checklist runs as it stands.

An operations engineer followed the go-live runbook literally and four of its commands
(``ngdpkit rehearse --against ngdp``, ``ngdpkit confirm --step 8``, …) stopped at once
(exit 2: ``--settings``, ``--env`` and ``--by`` are required), and "kør ngdpkit igen" named
no command at all. Every command a page or workbook names now comes from one
:class:`KitCommands`, made from the settings and the environment: the settings file as it is
named from its own folder (the pages say to run the commands there), the environment, and
``--production`` where the kit demands it. The one value the kit cannot know, who confirms,
is a placeholder (``--by "<dit navn>"``) that ``ngdpkit confirm`` refuses, so a command
copied without replacing it records nothing.

Texts carry the commands as tokens that :meth:`KitCommands.fill` replaces:
``<<confirm>>`` (the step's own number), ``<<rehearse>>``, ``<<run>>``, ``<<run_online>>``
(the network checks and NgDP's records) and ``<<run_ngdp>>`` (NgDP's records only: what a
step that waits for NgDP's contact points needs, without the network checks that fail from a
laptop outside the customer's network).
"""

from __future__ import annotations

import os
import re
import shlex
import unicodedata
from dataclasses import dataclass

from ..redact import unseen
from ..settings import Environment, Settings

# what --by says until a person writes their own name (confirm refuses it: see is_placeholder)
BY_PLACEHOLDER = {"da": "<dit navn>", "en": "<your name>"}
WHERE = {
    "da": "Kommandoerne køres i mappen med indstillingsfilen {settings}.",
    "en": "Run the commands in the folder that holds the settings file {settings}.",
}
# a settings file whose name no quoting reads the same in bash, PowerShell and cmd.exe: the
# commands name a placeholder in its place, and the page says why
SETTINGS_PLACEHOLDER = {"da": "<indstillingsfilen>", "en": "<settings file>"}
RENAME = {
    "da": " Filens navn indeholder tegn, som kommandolinjen fortolker ($, %, !, \\, anførselstegn eller usynlige tegn), så kommandoerne har <indstillingsfilen> i stedet for navnet: omdøb filen, eller erstat selv <indstillingsfilen> med filens navn.",
    "en": " Its name holds characters a command line interprets ($, %, !, \\, quotation marks or unseen characters), so the commands say <settings file> in its place: rename the file, or replace <settings file> with its name yourself.",
}
_BARE = re.compile(r"[A-Za-z0-9._-]+")
# what a double-quoted word does not keep in bash ($ ` \ " !), PowerShell ($ ` and its curly
# double quotes) or cmd.exe (% "): any other character, a space or an apostrophe (straight or
# curly: PowerShell ends a single-quoted string on U+2018-U+201B too) is safe inside "…"
_NOT_IN_QUOTES = frozenset('"$`\\%!\u201c\u201d\u201e\u201f')


def _unseen(c: str) -> bool:
    """A character a reader does not see as itself: a control or format character, a line or
    paragraph separator (U+2028, U+2029), or one of the kit's unseen ranges (fillers such as
    U+3164 and U+2800; an attacker's look: the command read otherwise than it ran)."""
    category = unicodedata.category(c)
    return category in ("Zl", "Zp") or category[0] == "C" or unseen(ord(c))


def shell_word(name: str) -> str | None:
    """``name`` as one word that bash, PowerShell and cmd.exe read alike: bare when it is
    plain (``migration.toml``), in double quotes when it holds a space or an apostrophe
    (``"Søby Kommune.toml"``; single quotes are POSIX only: cmd.exe keeps them, and
    PowerShell ends one on a curly quote and ran what followed: an attacker's look), None
    when no quoting can ($, %, !, a backslash, a quotation mark, a control character)."""
    if _BARE.fullmatch(name):
        return name
    if any(c in _NOT_IN_QUOTES or _unseen(c) for c in name):
        return None
    return f'"{name}"'


# a path as it stands bare in bash, PowerShell and cmd.exe alike (a backslash is an escape in
# bash unquoted, and every Windows path holds one)
_BARE_PATH = re.compile(r"[A-Za-z0-9._/-]+")
# the single quotes PowerShell ends a single-quoted string on (each doubled inside one)
_PS_SINGLE = re.compile("(['\u2018\u2019\u201a\u201b])")


def path_word(path: str, *, windows: bool | None = None) -> str:
    """``path`` as one word of a command the console names (init's and sample's ``next:``
    lines): bare when plain (``kunder/soeby/migration.toml``), else in double quotes when
    nothing in it is special there, which bash, PowerShell and cmd.exe read alike, as the
    pages' commands are (:func:`shell_word`): ``"data\\sample\\migration.toml"``,
    ``"C:\\Users\\jh\\OneDrive - Søby Kommune\\migration.toml"``. POSIX single quotes
    (``shlex.quote``) are kept by cmd.exe as part of the name, so every Windows path, which
    holds a backslash, was "file not found" there, and PowerShell does not read the
    ``'"'"'`` of a path with an apostrophe as one word. A backslash stays inside double quotes on Windows only
    (``windows``, default: this machine), where it is the separator. A path no double quotes
    keep (``$``, ``%``, ``!``, a quotation mark, an unseen character) is quoted for this
    machine's shell: POSIX quotes, or PowerShell's single quotes on Windows."""
    windows = os.name == "nt" if windows is None else windows
    if _BARE_PATH.fullmatch(path):
        return path
    special = _NOT_IN_QUOTES - {"\\"} if windows else _NOT_IN_QUOTES
    if not any(c in special or _unseen(c) for c in path):
        return f'"{path}"'
    if windows:
        return "'" + _PS_SINGLE.sub(r"\1\1", path) + "'"
    return shlex.quote(path)


def is_placeholder(by: str) -> bool:
    """``--by`` still a page's placeholder: ``<dit navn>`` or any ``<…>``, also with what a
    copy from a sentence takes along (``"<dit navn>".``, ``"<dit navn>",`` or a bracket: a
    go-live look recorded "<dit navn>." as the person), or holding the placeholder."""
    # full-width and small forms read as the ASCII ones (＜dit navn＞ is <dit navn>), and the
    # angle quotes and brackets a word processor or a font substitutes count as brackets
    text = unicodedata.normalize("NFKC", by).strip().strip(_AROUND).strip()
    if text[:1] in _OPENERS and text[-1:] in _CLOSERS:
        return True
    if " ".join(text.strip(_OPENERS + _CLOSERS).casefold().split()) in ("dit navn", "your name"):
        return True  # its brackets taken off, and no name put in (a day-one reader's look)
    return any(p in by for p in BY_PLACEHOLDER.values())


_OPENERS, _CLOSERS = "<‹〈⟨", ">›〉⟩"
# what a copy from a sentence takes along around the placeholder
_AROUND = ".,;:!?()[]'\"»«“”„‘’ "


@dataclass(frozen=True)
class KitCommands:
    """The commands of one environment: ``settings`` the settings file's name as typed in its
    own folder (:func:`shell_word`), ``environment`` its name, ``production`` whether the kit
    asks for ``--production`` before it sends a real letter there, ``file`` the name as it
    is (for the sentence that says where the commands are typed)."""

    settings: str
    environment: str
    production: bool
    language: str = "da"

    file: str = ""  # the settings file's name as it is, for the sentence that says where

    @classmethod
    def of(cls, settings: Settings, env: Environment) -> KitCommands:
        lang = "da" if settings.language == "da" else "en"
        name = settings.path.name
        return cls(
            settings=shell_word(name) or f'"{SETTINGS_PLACEHOLDER[lang]}"',
            environment=env.name,
            production=env.kind == "production",
            language=lang,
            file=name,
        )

    @classmethod
    def unnamed(cls, language: str) -> KitCommands:
        """The commands without a settings file or environment (a checklist evaluated on its
        own): only the command and its step, as a reader's reminder."""
        return cls("", "", production=False, language="da" if language == "da" else "en")

    @property
    def _target(self) -> str:
        return f" --settings {self.settings} --env {self.environment}" if self.settings else ""

    def run(self, *, online: bool | str = False) -> str:
        """``online``: True for ``--online``, ``"ngdp"`` for ``--online ngdp``."""
        said = " --online ngdp" if online == "ngdp" else " --online" if online else ""
        return f"ngdpkit run{self._target}{said}"

    def confirm(self, step: int) -> str:
        # the step first: "ngdpkit confirm --step 7" stays what a reader looks for
        by = f' --by "{BY_PLACEHOLDER[self.language]}"' if self.settings else ""
        return f"ngdpkit confirm --step {step}{self._target}{by}"

    def rehearse(self) -> str:
        production = " --production" if self.production else ""
        return f"ngdpkit rehearse --against ngdp{self._target}{production}"

    def watch(self) -> str:
        return f"ngdpkit watch{self._target}"

    def check(self) -> str:
        return f"ngdpkit check{self._target}"

    def where(self) -> str:
        """Where the commands are typed: the settings file's folder (and, when the commands
        could not name the file, why)."""
        said = WHERE[self.language].format(settings=self.file or self.settings)
        return said + (RENAME[self.language] if shell_word(self.file) is None else "")

    def fill(self, text: str, step: int = 0) -> str:
        """``text`` with its command tokens replaced (``<<confirm>>`` with ``step``'s). A plain
        replace, never ``str.format``: a text may hold a value from the settings."""
        for token, command in (
            ("<<confirm>>", self.confirm(step)),
            ("<<rehearse>>", self.rehearse()),
            ("<<run_online>>", self.run(online=True)),
            ("<<run_ngdp>>", self.run(online="ngdp")),
            ("<<run>>", self.run()),
        ):
            text = text.replace(token, command)
        return text
