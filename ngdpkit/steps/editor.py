"""Notebook 02's mapping editor: decide the unmapped mailboxes in JupyterLab (issue 28).

The unmapped mailboxes with their suggestions, searchable and filtered by unit, a page of
50 at a time; accept a row's chosen suggestion, override with any contact point picked by
name, or retire, for every checked row at once. Each action writes the decisions file at
once (:func:`ngdpkit.steps.decide.decide_each`), maps again from that file and draws the
list again, with the counts and the seconds it took. Widget state is never an input: what
counts is the decisions file, which ``ngdpkit run`` reads like any other input.

The widgets are ipywidgets, Project Jupyter's own: kept by the same people as JupyterLab,
and drawn as DOM elements (labels, checkboxes, buttons), so a browser test clicks them by
their text as a person would. ipydatagrid, the other candidate, draws its grid on a canvas,
which a test cannot click by label. Every value is shown as text: escaped once in
:func:`as_text` for the HTML widgets, or an option of a ``Dropdown``; a mailbox name is
never markup here.

Outside JupyterLab (``ngdpkit run`` executes the notebook with its own run folder) and
without ipywidgets, the cell shows a short note instead, so no signed page holds a widget.
"""

from __future__ import annotations

import html
from typing import Any

from ..documents import display
from ..documents.i18n import t
from ..errors import InputError
from .core import Step, lab_run_dir
from .decide import apply, decider, set_decider

PAGE = 50
OPEN = ("unmapped", "unknown contact point")  # what still needs a decision


def mapping_editor(step: Step, mapping: Any, contact_points: Any, mapping_file: Any) -> Any:
    """The editor in a JupyterLab session; elsewhere a short note saying where the
    decisions come from (so a signed run's notebook holds no widget)."""
    lang = step.language
    path = step.settings.decisions_path(step.env.name)
    where = step.rel(path)
    if not in_lab(
        step
    ):  # addressed to the consultant: not printed (documents/signoff.py, documents/pdf.py)
        # a page never names a file as read that is not there (a customer's cold read)
        key = "editor_static" if path.is_file() else "editor_static_none"
        return display.block(display.para(t(lang, key, file=where)), cls="consultant")
    try:
        import ipywidgets
    except ImportError:
        return display.block(
            display.para(t(lang, "editor_no_widgets", file=where)), cls="consultant"
        )
    return MappingEditor(step, mapping, contact_points, mapping_file, ipywidgets).widget


def in_lab(step: Step) -> bool:
    """The step writes to ``runs/<env>/lab/``: a JupyterLab session, not a run."""
    if step.run_dir is None:
        return False
    return step.run_dir.resolve() == lab_run_dir(step.settings, step.env.name).resolve()


class MappingEditor:
    """The widgets and the mapping they show; ``widget`` is what the cell displays."""

    def __init__(
        self, step: Step, mapping: Any, contact_points: Any, mapping_file: Any, widgets: Any
    ) -> None:
        # Kept whole: the editor's widget tree, built once and wired; the layout reads as the
        # consultant sees it, top to bottom.
        self.step, self.lang, self.w = step, step.language, widgets
        self.contact_points, self.mapping_file, self.mapping = (
            contact_points,
            mapping_file,
            mapping,
        )
        self.file = step.rel(step.settings.decisions_path(step.env.name))
        self.page = 0
        self._quiet = False
        # an action on many rows (or a retire of several) waits for a second click: (the
        # decision, the rows it was for); a consultant's session: "Markér alle viste" and
        # one click on "Udgår" retired 50 mailboxes, with no way back in the editor
        self.pending: tuple[str, tuple[tuple[str, str | None], ...]] | None = None
        self.rows: list[tuple[str, Any, Any]] = []  # (key, checkbox, suggestion dropdown)
        self.in_use = self._decisions_in_use()
        self.by_label: dict[str, str] = {}  # the override list's labels -> GUID
        w, lang = widgets, self.lang
        wide = {"description_width": "initial"}
        self.name = w.Text(
            value=decider() or "",
            description=t(lang, "editor_name"),
            placeholder=t(lang, "editor_name_hint"),
            style=wide,
        )
        self.note = w.Text(
            description=t(lang, "editor_note"),
            placeholder=t(lang, "editor_note_hint"),
            style=wide,
            layout=w.Layout(width="40em"),
        )
        self.search = w.Text(
            description=t(lang, "editor_search"),
            placeholder=t(lang, "editor_search_hint"),
            continuous_update=False,
            style=wide,
        )
        self.unit = w.Dropdown(description=t(lang, "editor_unit"), style=wide)
        self.showing = w.HTML()
        self.previous = w.Button(description=t(lang, "editor_previous"), icon="arrow-left")
        self.next = w.Button(description=t(lang, "editor_next"), icon="arrow-right")
        self.check_all = w.Checkbox(description=t(lang, "editor_check_all"), indent=False)
        # every mailbox, not only those still open: a mapped one can be overridden or
        # retired, and one decided by mistake decided again (the list showed open ones only)
        self.show_all = w.Checkbox(description=t(lang, "editor_show_all"), indent=False)
        self.list = w.VBox()
        auto = w.Layout(width="auto")
        self.accept = w.Button(
            description=t(lang, "editor_accept"), button_style="success", layout=auto
        )
        self.other = w.Combobox(
            placeholder=t(lang, "editor_override_hint"),
            options=self._point_labels(),
            ensure_option=False,
            layout=w.Layout(width="28em"),
        )
        self.override = w.Button(
            description=t(lang, "editor_override"), button_style="info", layout=auto
        )
        self.retire = w.Button(
            description=t(lang, "editor_retire"), button_style="warning", layout=auto
        )
        self.counts = w.HTML()
        self.message = w.HTML()  # may repeat what was typed: set through _say, escaped
        for widget, name in (
            (self.name, "decider"),
            (self.note, "note"),
            (self.search, "search"),
            (self.unit, "unit"),
            (self.list, "rows"),
            (self.other, "other"),
            (self.counts, "counts"),
            (self.message, "message"),
        ):
            widget.add_class(f"ngdpkit-editor-{name}")
        self.search.observe(self._filter_changed, names="value")
        self.unit.observe(self._filter_changed, names="value")
        self.show_all.observe(self._filter_changed, names="value")
        self.check_all.observe(self._check_all, names="value")
        self.previous.on_click(lambda _: self._turn(-1))
        self.next.on_click(lambda _: self._turn(1))
        self.accept.on_click(lambda _: self.act("accept"))
        self.override.on_click(lambda _: self.act("override"))
        self.retire.on_click(lambda _: self.act("retire"))
        self.widget = w.VBox(
            [
                w.HBox([self.name, self.note]),
                w.HBox([self.search, self.unit, self.show_all]),
                w.HBox([self.check_all, self.showing, self.previous, self.next]),
                self._header(),
                self.list,
                w.HBox([self.accept, self.other, self.override, self.retire]),
                self.counts,
                self.message,
            ]
        )
        self.widget.add_class("ngdpkit-editor")
        self._units()
        self.draw()

    # what is shown

    def open_rows(self) -> Any:
        """The mailboxes that still need a decision (every mailbox with "show all"), filtered
        by the search and the unit."""
        frame = self.mapping.frame
        rows = frame if self.show_all.value else frame[frame["status"].isin(OPEN)]
        unit = self.unit.value
        if unit is not None and unit != "*":
            rows = rows[rows["responsible_unit"].astype(str) == unit]
        text = self.search.value.strip().casefold()
        if text:
            hay = (
                rows["mailbox_id"].astype(str)
                + ":"
                + rows["subject_id"].astype(str)
                + " "
                + rows["mailbox_name"].astype(str).str.casefold()
            )
            rows = rows[hay.str.contains(text, regex=False)]
        return rows

    def draw(self) -> None:
        """Draw the current page of open rows, the counts and the paging."""
        w, lang = self.w, self.lang
        rows = self.open_rows()
        total = len(rows)
        self.page = max(0, min(self.page, (total - 1) // PAGE if total else 0))
        shown = rows.iloc[self.page * PAGE : (self.page + 1) * PAGE]
        offers = self._offers(shown)
        before = self.list.children
        self.pending = None  # a question asked about the rows shown before is no longer open
        self.rows = []
        lines = []
        for mid, sid, name, unit, status, point in shown[
            [
                "mailbox_id",
                "subject_id",
                "mailbox_name",
                "responsible_unit",
                "status",
                "contact_point",
            ]
        ].itertuples(index=False):
            key = _key(mid, sid)
            check = w.Checkbox(indent=False, layout=w.Layout(width="2.2em"))
            options = offers.get(key) or [(self._now(str(status), str(point)), "")]
            pick = w.Dropdown(
                options=options,
                value=options[0][1],
                disabled=not offers.get(key),
                layout=w.Layout(width="26em"),
            )
            line = w.HBox(
                [
                    check,
                    _cell(w, key, "9em"),
                    _cell(w, str(name), "22em"),
                    _cell(w, str(unit), "16em"),
                    pick,
                ]
            )
            line.add_class("ngdpkit-editor-row")
            self.rows.append((key, check, pick))
            lines.append(line)
        self.list.children = lines
        # the old rows closed only once the list shows the new ones (closed first, the front
        # end could still be drawing them: a session's page once stayed empty and stuck)
        for old in before:
            old.close()
        self.check_all.value = False
        start = self.page * PAGE + 1 if total else 0
        self.showing.value = as_text(
            t(lang, "editor_showing", shown=len(shown), total=total)
            + (f" ({start}–{start + len(shown) - 1})" if total > PAGE else "")
        )
        self.previous.disabled = self.page == 0
        self.next.disabled = (self.page + 1) * PAGE >= total
        counts = self.mapping.counts()
        self.counts.value = as_text(
            t(
                lang,
                "editor_counts",
                mapped=counts.get("mapped", 0),
                unmapped=counts.get("unmapped", 0) + counts.get("unknown contact point", 0),
                retired=counts.get("retired", 0),
                decisions=self.in_use,
            )
        )
        if not total and not self.message.value:
            self._say(t(lang, "editor_none_open"))

    def _now(self, status: str, point: str) -> str:
        """What a row without suggestions shows in their place: where it lands now."""
        if status == "mapped":
            return t(self.lang, "editor_now", point=point)
        if status == "retired":
            return t(self.lang, "editor_now_retired")
        return t(self.lang, "editor_no_suggestion")

    def _header(self) -> Any:
        w, lang = self.w, self.lang
        return w.HBox(
            [
                w.Label("", layout=w.Layout(width="2.2em")),
                _heading(w, t(lang, "mailbox_id"), "9em"),
                _heading(w, t(lang, "mailbox_name"), "22em"),
                _heading(w, t(lang, "responsible_unit"), "16em"),
                _heading(w, t(lang, "editor_suggestion"), "26em"),
            ]
        )

    def _units(self) -> None:
        """The unit filter's options: every unit with an open mailbox (the choice is kept)."""
        frame = self.mapping.frame
        units = sorted(
            {str(u) for u in frame.loc[frame["status"].isin(OPEN), "responsible_unit"]},
            key=str.casefold,
        )
        options = [(t(self.lang, "editor_all_units"), "*")] + [
            (u or t(self.lang, "editor_no_unit"), u) for u in units
        ]
        keep = self.unit.value if self.unit.value in {v for _, v in options} else "*"
        self._quiet = True  # new options reset the value: no redraw for that
        try:
            self.unit.options = options
            self.unit.value = keep
        finally:
            self._quiet = False

    def _offers(self, shown: Any) -> dict[str, list[tuple[str, str]]]:
        """The shown rows' suggestions as dropdown options (label, GUID), best first."""
        found = self.mapping.suggestions
        if found is None or not len(found) or not len(shown):
            return {}
        found = found[found["Mailbox ID"].astype(str).isin(set(shown["mailbox_id"].astype(str)))]
        keys = {_key(m, s) for m, s in zip(shown["mailbox_id"], shown["subject_id"], strict=True)}
        out: dict[str, list[tuple[str, str]]] = {}
        for mid, sid, guid, name, score in found[
            ["Mailbox ID", "Subject ID", "NgDP Guid", "Contact point name", "Score"]
        ].itertuples(index=False):
            key = _key(mid, sid)
            if key in keys:
                out.setdefault(key, []).append((f"{name} ({score})", str(guid)))
        return out

    def _point_labels(self) -> list[str]:
        """Every contact point by name; a name two points share gets its GUID beside it."""
        points = self.contact_points.points if self.contact_points is not None else []
        seen: dict[str, int] = {}
        for p in points:
            seen[p.name.strip().casefold()] = seen.get(p.name.strip().casefold(), 0) + 1
        for p in points:
            unique = seen[p.name.strip().casefold()] == 1
            self.by_label[p.name if unique else f"{p.name} ({p.id})"] = p.id
        return sorted(self.by_label, key=str.casefold)

    def _decisions_in_use(self) -> int:
        frame = self.mapping.frame
        return int((frame["source"] == "decision").sum())

    # what a person does

    def _filter_changed(self, _change: Any) -> None:
        if self._quiet:
            return
        self.page = 0
        self.draw()

    def _turn(self, by: int) -> None:
        self.page += by
        self.draw()

    def _check_all(self, change: Any) -> None:
        for _, check, _ in self.rows:
            check.value = bool(change["new"])

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.message.style.text_color = "#b3261e" if problem else "#1b6e3a"
        self.message.value = as_text(text)

    def act(self, decision: str) -> None:
        """Write ``decision`` for every checked row, map again and draw again."""
        lang = self.lang
        checked = [(key, pick) for key, check, pick in self.rows if check.value]
        if not checked:
            return self._say(t(lang, "editor_none_checked"), problem=True)
        name = self.name.value.strip() or (decider() or "")
        if not name:
            return self._say(t(lang, "editor_no_name"), problem=True)
        if decision == "accept":
            # a row without suggestions of its own (a mapped one shown with "show all") has no
            # suggestion to accept: accepting took the step's old best one and moved the
            # mailbox without a word (an attacker's look)
            none = [key for key, pick in checked if pick.disabled or not pick.value]
            if none:
                return self._say(
                    t(lang, "editor_no_suggestion_to_accept", keys=_first(tuple(none))),
                    problem=True,
                )
            choices = [(key, pick.value or None) for key, pick in checked]
        elif decision == "override":
            typed = self.other.value.strip()
            if not typed:
                return self._say(t(lang, "editor_no_point"), problem=True)
            target = self.by_label.get(typed, typed)  # a label of the list, else as typed
            choices = [(key, target) for key, _ in checked]
        else:
            choices = [(key, None) for key, _ in checked]
        keys = tuple(key for key, _ in checked)
        asked = (decision, tuple(choices))  # the rows and what each would get
        if _needs_confirming(decision, len(keys)) and self.pending != asked:
            self.pending = asked
            button = {"accept": "editor_accept", "override": "editor_override"}
            return self._say(
                t(
                    lang,
                    "editor_confirm",
                    n=len(keys),
                    action=t(lang, button.get(decision, "editor_retire")),
                    keys=_first(keys),
                ),
                problem=True,
            )
        self.pending = None
        try:
            set_decider(name)
            done = apply(
                self.step,
                choices,
                decision,
                contact_points=self.contact_points,
                mapping_file=self.mapping_file,
                previous=self.mapping,
                by=name,
                note=self.note.value,
            )
        except InputError as exc:
            return self._say(t(lang, "editor_refused", reason=exc.text(lang)), problem=True)
        self.mapping = done.mapping
        self.in_use = self._decisions_in_use()
        self.note.value = ""
        self.other.value = ""
        self._units()
        self.draw()  # drawn first: when the message shows, the list and counts are current
        self._say(
            t(
                lang,
                "editor_saved",
                n=len(done.decisions),
                file=self.file,
                seconds=f"{done.seconds:.2f}".replace(".", "," if lang == "da" else "."),
            )
            + " "
            + self._what(done.decisions)
            + "".join(" " + said for said in done.decisions.remarks())
            + " "
            + t(lang, "editor_rerun", file=self.file)
        )
        return None

    def _what(self, decided: Any) -> str:
        """What was just decided, said (the message said only "1 beslutning gemt"): each
        mailbox with the contact point it now goes to, or that it is retired."""
        names = {guid: label for label, guid in self.by_label.items()}
        said = [
            f"{d.key} → {names.get(d.guid, d.guid)}"
            if d.guid
            else f"{d.key}: {t(self.lang, 'editor_now_retired')}"
            for d in decided
        ]
        return _first(tuple(said)) + "."


CONFIRM_ABOVE = 5  # more rows than this at once wait for a second click


def _needs_confirming(decision: str, rows: int) -> bool:
    """A retire of more than one row, or any decision for more than a handful, is clicked
    twice."""
    return rows > CONFIRM_ABOVE or (decision == "retire" and rows > 1)


def _first(items: tuple[str, ...], shown: int = 5) -> str:
    """The first few, and how many more: "0100233, 0100253, … (+3)"."""
    more = len(items) - shown
    return ", ".join(items[:shown]) + (f", … (+{more})" if more > 0 else "")


def _key(mailbox: Any, subject: Any) -> str:
    """A row as the decisions file names it: ``12345``, or ``12345:2`` for one subject."""
    return f"{mailbox}:{subject}" if subject else str(mailbox)


def _cell(w: Any, text: str, width: str) -> Any:
    """One cell of the list: the value as text (its full text as a tooltip, which is text)."""
    return w.HTML(
        value=as_text(text), tooltip=text, layout=w.Layout(width=width, overflow="hidden")
    )


def _heading(w: Any, text: str, width: str) -> Any:
    label = w.Label(value=text, layout=w.Layout(width=width))
    label.style.font_weight = "bold"
    return label


def as_text(value: str) -> str:
    """``value`` for an HTML widget, which sets it as markup: escaped, so it shows as typed.
    (A ``Label`` would be text too, but JupyterLab typesets ``$…$`` in it as LaTeX.)"""
    return html.escape(value, quote=True)
