"""A matched layout turned into set-based SQL: national columns in, canonical columns out.

The file is staged as it is (temp table `stg_raw`, every column text; sub-lists as
`stg_sub_<id>`). `Layout.project_sql` is one SELECT over it that yields the canonical file
columns the existing validation expects in `stg`: values trimmed, dates normalised, codes
mapped through the profile's value maps, wide groups unpivoted into aligned ``|``-joined lists
(a slot exists when its anchor, e.g. 其他诊断编码5, has a value), derived and sub-list columns
computed. Row order and row count are those of the file, so row numbers stay the file's.

Every canonical cell remembers where it came from (`sources`): after the table's own rules
have run, `finish` renames each error's field from the canonical column to the file's column
(for a list, the slot whose value is at fault: ``其他诊断编码3``) and adds the errors only the
profile can see: a value its map does not know, an amount of a cost item that is not an
amount, a group member filled in a slot without its anchor, a bad value in a sub-list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yigong.ingest.profiles.headers import Binding, Bound
from yigong.ingest.profiles.model import Derived, Taken, template_pieces
from yigong.schema.tables import BY_NAME

DATE_FORMATS = (
    "['%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y/%m/%d', "
    "'%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y%m%d', '%Y%m%d%H%M%S', '%Y年%m月%d日']"
)
AMOUNT = r"-?[0-9]{1,16}(\.[0-9]{0,2})?"
#: the projected column holding a row's profile-level errors (not a canonical column).
ERRORS = "_yg_profile_errors"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class SubSheet:
    """A sub-list staged beside the main file."""

    binding: Binding
    table: str  # staged temp table
    shown: str  # the file (and sheet) the user gave
    rows: int = 0


@dataclass
class Layout:
    """A profile applied to one staged file (and its staged sub-lists)."""

    main: Binding
    subs: dict[str, SubSheet] = field(default_factory=dict)
    raw: str = "stg_raw"
    #: while the projection is built: bound column (by identity) -> the inner pass's columns
    #: (`_cells_sql`) of its trimmed, formatted and mapped value, which the outer pass reads
    #: instead of computing them again for every list, check and condition using them
    _cells: dict[int, dict[str, str]] | None = field(default=None, repr=False)

    @property
    def profile(self):  # noqa: ANN201 - Profile
        return self.main.profile

    # -- values -----------------------------------------------------------------------------
    def _cell(self, kind: str, b: Bound, alias: str) -> str | None:
        """The inner pass's column for `b` (kind v: value, f: formatted, m: mapped), when the
        projection is being built over it."""
        if self._cells is None or alias != "r" or id(b) not in self._cells:
            return None
        return f"c.{self._cells[id(b)][kind]}"

    def value(self, b: Bound, alias: str = "r") -> str:
        """The cell as text, trimmed, empty as NULL."""
        return self._cell("v", b, alias) or self._value(b, alias)

    def _value(self, b: Bound, alias: str) -> str:
        return f"nullif(trim(CAST({alias}.{q(b.header)} AS VARCHAR)), '')"

    def formatted(self, b: Bound, alias: str = "r") -> str:
        return self._cell("f", b, alias) or self._formatted(b, alias)

    def _formatted(self, b: Bound, alias: str) -> str:
        v = self._value(b, alias)
        match b.spec.format:
            case "date":
                return f"coalesce(strftime(try_strptime({v}, {DATE_FORMATS}), '%Y-%m-%d'), {v})"
            case _:
                return v

    def mapped(self, b: Bound, alias: str = "r") -> str:
        """The canonical value: formatted, then through the value map (NULL if unknown)."""
        return self._cell("m", b, alias) or self._mapped(b, alias)

    def _mapped(self, b: Bound, alias: str) -> str:
        v = self._formatted(b, alias)
        if not b.spec.codes:
            return v
        vm = self.profile.value_maps[b.spec.codes]
        whens = " ".join(f"WHEN {lit(k)} THEN {lit(c)}" for k, c in vm.values.items())
        return f"CASE WHEN {v} IS NULL THEN NULL ELSE (CASE {v} {whens} END) END"

    # -- canonical columns ------------------------------------------------------------------
    def _direct(self, column: str) -> list[Bound]:
        return [b for b in self.main.for_column(column) if not b.spec.group]

    def _derived(self, column: str) -> Derived | None:
        for d in self.profile.derived:
            if d.column != column:
                continue
            bound = [self.main.by_name(n) for n in d.fields]
            if (d.kind == "template" and all(bound)) or (d.kind == "sum" and any(bound)):
                return d
        return None

    def _taken(self, column: str) -> list[Taken]:
        return [t for t in self.profile.taken if t.column == column and t.sheet in self.subs]

    def _group_columns(self) -> dict[str, list[str]]:
        """Group id → the canonical list columns it fills (anchor first)."""
        out: dict[str, list[str]] = {}
        for g, anchor in self.profile.groups.items():
            cols = [anchor]
            for b in self.main.bound:
                if b.spec.group == g and b.spec.column and b.spec.column not in cols:
                    cols.append(b.spec.column)
            if any(b.spec.group == g and b.spec.column == anchor for b in self.main.bound):
                out[g] = cols
        return out

    def slots(self, group: str) -> list[int]:
        return sorted({b.slot_key for b in self.main.bound if b.spec.group == group})

    def element(self, group: str, column: str, slot: int) -> Bound | None:
        return next(
            (
                b
                for b in self.main.bound
                if b.spec.group == group and b.spec.column == column and b.slot_key == slot
            ),
            None,
        )

    def _template_sql(self, d: Derived) -> str:
        parts = []
        for piece in template_pieces(d):
            if isinstance(piece, str):
                parts.append(lit(piece))
                continue
            name, width = piece
            b = self.main.by_name(name)
            assert b is not None
            v = self.mapped(b)
            if width:
                v = f"CASE WHEN length({v}) >= {width} THEN {v} ELSE lpad({v}, {width}, '0') END"
            parts.append(v)
        return " || ".join(parts)

    def _sum_sql(self, d: Derived) -> str:
        bound = [b for n in d.fields if (b := self.main.by_name(n))]
        vals = [self.mapped(b) for b in bound]
        none = " AND ".join(f"{v} IS NULL" for v in vals)
        total = " + ".join(f"coalesce(TRY_CAST({v} AS DECIMAL(18,2)), 0)" for v in vals)
        return (
            f"CASE WHEN {none} THEN NULL ELSE CAST(CAST({total} AS DECIMAL(18,2)) AS VARCHAR) END"
        )

    def columns(self) -> dict[str, str]:
        """Canonical file column → SQL over `r` (the staged file) and the sub-list joins."""
        table = BY_NAME[self.profile.table]
        grouped = {c: g for g, cols in self._group_columns().items() for c in cols}
        out: dict[str, str] = {}
        for col in table.columns:
            for name in (col.pseudonymise, col.name):
                if not name:
                    continue
                if name in grouped:
                    out[name] = self._list_sql(grouped[name], name)
                    break
                direct = self._direct(name)
                if direct:
                    vals = [self.mapped(b) for b in direct]
                    out[name] = vals[0] if len(vals) == 1 else f"coalesce({', '.join(vals)})"
                    break
                d = self._derived(name)
                if d is not None:
                    out[name] = self._template_sql(d) if d.kind == "template" else self._sum_sql(d)
                    break
                taken = self._taken(name)
                if taken:
                    vals = [f"t_{t.sheet}.{q(t.column)}" for t in taken]
                    out[name] = vals[0] if len(vals) == 1 else f"coalesce({', '.join(vals)})"
                    break
        return out

    def _list_sql(self, group: str, column: str) -> str:
        anchor = self.profile.groups[group]
        slots = self.slots(group)

        def el(col: str, s: int) -> str:
            b = self.element(group, col, s)
            return self.mapped(b) if b else "NULL"

        if column == anchor:
            return f"nullif(concat_ws('|', {', '.join(el(anchor, s) for s in slots)}), '')"
        present = [
            (f"({el(anchor, s)}) IS NOT NULL", el(column, s))
            for s in slots
            if self.element(group, anchor, s)
        ]
        any_value = ", ".join(f"CASE WHEN {p} THEN {e} END" for p, e in present)
        joined = ", ".join(f"CASE WHEN {p} THEN coalesce({e}, '') END" for p, e in present)
        count = " + ".join(f"CASE WHEN {p} THEN 1 ELSE 0 END" for p, _ in present)
        # as in a canonical file: one empty element is an empty field (null); two or more
        # are kept ("|": both procedures without a grade)
        return (
            f"CASE WHEN coalesce({any_value}) IS NULL AND ({count}) <= 1 THEN NULL "
            f"ELSE concat_ws('|', {joined}) END"
        )

    def joins(self) -> list[str]:
        """LEFT JOINs of the sub-list aggregates the projection uses."""
        out = []
        for sheet in sorted({t.sheet for t in self.profile.taken if t.sheet in self.subs}):
            parent = self.main.by_name(self.profile.sublists[sheet].parent)
            key = self.value(parent) if parent else "NULL"
            out.append(f"LEFT JOIN yg_take_{sheet} t_{sheet} ON t_{sheet}._k = {key}")
        return out

    def take_sql(self, sheet: str) -> str:
        """The per-main-row aggregate of one sub-list (first value / sum per key)."""
        sub = self.subs[sheet]
        key = sub.binding.by_name(self.profile.sublists[sheet].key)
        assert key is not None
        parts = [f"{self.value(key, 's')} AS _k"]
        for t in self.profile.taken:
            if t.sheet != sheet:
                continue
            b = sub.binding.by_name(t.field)
            if b is None:
                parts.append(f"NULL AS {q(t.column)}")
                continue
            v = self.mapped(b, "s")
            if t.op == "sum":
                parts.append(
                    f"CAST(sum(TRY_CAST({v} AS DECIMAL(18,2))) AS VARCHAR) AS {q(t.column)}"
                )
                continue
            where = f"{v} IS NOT NULL"
            w = sub.binding.by_name(t.where_field) if t.where_field else None
            if w is not None:
                where += f" AND {self.value(w, 's')} = {lit(t.where_value)}"
            parts.append(f"arg_min({v}, s.rowid) FILTER (WHERE {where}) AS {q(t.column)}")
        return (
            f"SELECT {', '.join(parts)} FROM {sub.table} s "
            f"WHERE {self.value(key, 's')} IS NOT NULL GROUP BY 1"
        )

    def _cells_sql(self) -> str:
        """The inner pass: every bound cell trimmed (v), formatted (f) and mapped (m) once;
        sets `_cells`."""
        cells: dict[int, dict[str, str]] = {}
        parts = ["r.rowid AS _yg_rid"]
        for i, b in enumerate(self.main.bound):
            exprs = {"v": self._value(b, "r"), "f": self._formatted(b, "r")}
            exprs["m"] = self._mapped(b, "r")
            names: dict[str, str] = {}
            seen: dict[str, str] = {}
            for kind, sql in exprs.items():
                if sql not in seen:
                    seen[sql] = f"{kind}{i}"
                    parts.append(f"{sql} AS {seen[sql]}")
                names[kind] = seen[sql]
            cells[id(b)] = names
        self._cells = cells
        return f"SELECT {', '.join(parts)} FROM {self.raw} r"

    def project_sql(self) -> str:
        """One SELECT of the canonical columns (and the row's profile errors) in file order.

        Two passes in one statement: the inner one (`_cells_sql`) trims, formats and maps each
        bound cell once; the outer one builds the lists, derived columns and checks from those
        values (a code of a 40-slot group is read by its list, its aligned lists and their
        checks: computed once, not once per use; the whole projection costs about a third less
        CPU on the national front page and visit list)."""
        try:
            cells = self._cells_sql()
            items = list(self.columns().items())
            errors = self.errors_sql()
            if errors:
                items.append((ERRORS, errors))
            cols = ", ".join(f"{sql} AS {q(name)}" for name, sql in items)
            joins = self.joins()
        finally:
            self._cells = None
        order = " ORDER BY c._yg_rid" if joins else ""
        return (
            f"WITH c AS ({cells}) SELECT {cols or 'NULL AS _none'} FROM c {' '.join(joins)}{order}"
        )

    # -- where a canonical cell came from ---------------------------------------------------
    def sources(self) -> dict[str, str]:
        """Canonical column → the file column(s) it came from, as a user reads them."""
        out: dict[str, str] = {}
        groups = self._group_columns()
        for name in self.columns():
            col = next(
                c for c in BY_NAME[self.profile.table].columns if name in (c.name, c.pseudonymise)
            )
            key = col.name
            grouped = [g for g, cols in groups.items() if name in cols]
            if grouped:
                b = [
                    x
                    for x in self.main.bound
                    if x.spec.group == grouped[0] and x.spec.column == name
                ]
                out[key] = f"{b[0].header}…{b[-1].header}" if len(b) > 1 else b[0].header
            elif direct := self._direct(name):
                out[key] = "/".join(b.header for b in direct)
            elif d := self._derived(name):
                heads = [b.header for n in d.fields if (b := self.main.by_name(n))]
                out[key] = ("+" if d.kind == "sum" else "-").join(heads)
            elif taken := self._taken(name):
                t = taken[0]
                b = self.subs[t.sheet].binding.by_name(t.field)
                title = self.profile.sublists[t.sheet].title
                out[key] = f"{title}.{b.header if b else t.field}"
        return out

    def expected(self, column: str) -> str:
        """The header a missing canonical column is expected under (with its identifier)."""
        for f in self.profile.main_fields():
            if column in (f.column,) or _raw_of(self.profile.table, column) == f.column:
                head = f.header_for(1) if f.repeated else f.header
                return f"{head} ({f.name_for(1) if f.repeated else f.name})"
        return column

    # -- errors only the profile can see ----------------------------------------------------
    def _checks(self) -> list[tuple[str, str, str, str]]:
        """(bad condition, field, value, reason) over `r`, one per cell to check."""
        out = []
        p = self.profile
        summed = {n for d in p.derived if d.kind == "sum" for n in d.fields}
        anchors = {g: a for g, a in p.groups.items()}
        for b in self.main.bound:
            v = self.formatted(b)
            head = lit(b.header)
            if b.spec.codes and b.spec.column:
                title = p.value_maps[b.spec.codes].title
                out.append(
                    (
                        f"{v} IS NOT NULL AND ({self.mapped(b)}) IS NULL",
                        head,
                        v,
                        f"'code: ' || {v} || {lit(f' is not a {title} value of profile {p.id}')}",
                    )
                )
            if b.spec.name in summed:
                out += _amount_checks(v, head)
            if b.spec.group and b.spec.column and b.spec.column != anchors[b.spec.group]:
                a = self.element(b.spec.group, anchors[b.spec.group], b.slot_key)
                if a is None:
                    continue
                out.append(
                    (
                        f"{v} IS NOT NULL AND ({self.value(a)}) IS NULL",
                        head,
                        v,
                        lit(f"list_alignment: {b.header} has a value but {a.header} is empty"),
                    )
                )
                if b.spec.format == "date":
                    raw = self.value(b)
                    out.append(
                        (
                            f"{raw} IS NOT NULL AND try_strptime({raw}, {DATE_FORMATS}) IS NULL",
                            head,
                            raw,
                            f"'type: ' || {raw} || ' is not a date YYYY-MM-DD'",
                        )
                    )
        return out

    def errors_sql(self) -> str | None:
        """A projected column: the profile-level errors of the row as a list of
        {f: field, v: value, r: reason} (NULL when none); computed in the projection's own
        pass, so the value maps are evaluated once."""
        checks = self._checks()
        if not checks:
            return None
        items = ", ".join(
            f"CASE WHEN {c} THEN {{'f': {f}, 'v': CAST({v} AS VARCHAR), 'r': {r}}} END"
            for c, f, v, r in checks
        )
        anyone = " OR ".join(f"({c})" for c, *_ in checks)
        return f"CASE WHEN {anyone} THEN list_filter([{items}], y -> y IS NOT NULL) END"

    def check_sql(self) -> str | None:
        """(_rowid, field, value, reason) for every profile-level error of the main file,
        read from the projection (`stg`)."""
        if not self._checks():
            return None
        return (
            f"SELECT _rowid, e.f, e.v, e.r FROM (SELECT rowid AS _rowid, unnest({ERRORS}) AS e "
            f"FROM stg WHERE {ERRORS} IS NOT NULL)"
        )

    def sub_check_sql(self) -> list[str]:
        """Errors of sub-list rows, reported on the main row they belong to."""
        out = []
        for sheet, sub in self.subs.items():
            info = self.profile.sublists[sheet]
            key, parent = sub.binding.by_name(info.key), self.main.by_name(info.parent)
            if key is None or parent is None:
                continue
            summed = {t.field for t in self.profile.taken if t.sheet == sheet and t.op == "sum"}
            for b in sub.binding.bound:
                if b.spec.name not in summed:
                    continue
                v = self.value(b, "s")
                for cond, _f, _v, reason in _amount_checks(v, ""):
                    field_name = lit(f"{info.title}.{b.header}")
                    at = lit(f" ({sub.shown} row ") + " || (s.rowid + 1) || ')'"
                    out.append(
                        f"SELECT r.rowid, {field_name}, {v}, {reason} || {at} "
                        f"FROM {sub.table} s JOIN {self.raw} r ON {self.value(key, 's')} = "
                        f"{self.value(parent)} WHERE {cond}"
                    )
        return out


def _amount_checks(v: str, head: str) -> list[tuple[str, str, str, str]]:
    return [
        (
            f"{v} IS NOT NULL AND NOT regexp_full_match({v}, '{AMOUNT}')",
            head,
            v,
            f"'type: ' || {v} || ' is not an amount in yuan with at most 2 decimals'",
        ),
        (
            f"TRY_CAST({v} AS DECIMAL(18,2)) < 0",
            head,
            v,
            f"'minimum: ' || {v} || ' is below 0'",
        ),
    ]


def _raw_of(table: str, column: str) -> str | None:
    for c in BY_NAME[table].columns:
        if c.name == column:
            return c.pseudonymise
    return None
