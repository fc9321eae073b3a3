"""Reading and validating task packs: every problem is an `Issue` naming file, line and field.

The tasks ship as rule packs (kind ``reform-tasks``) under ``reform/packs/<id>/``; a user points
at a pack folder (a copy of a built-in one) or at single task files. `load_tasks` never raises on
bad content; `validate` adds the cross-checks against the
indicator catalog (linked ids must exist; warnings when an indicator has no target or is not
defined for division nodes). `TaskError` carries every error when a caller needs usable tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from yigong.indicators.loader import Catalog
from yigong.indicators.spec import NodeLevel
from yigong.reform.spec import Coverage, Task, TaskSet
from yigong.rulepacks import (
    Checks,
    FieldPath,
    Issue,
    IssuesError,
    Level,
    Quote,
    SourceFile,
    YAMLError,
    open_packs,
    repo_path,
    run_checks,
    yaml_issue,
)

__all__ = [
    "PACKS_DIR",
    "PACK_KIND",
    "TASK_CHECKS",
    "TaskBook",
    "TaskCheck",
    "TaskError",
    "builtin_paths",
    "load_tasks",
    "pack_issues",
    "policy_quotes",
    "require_valid",
    "validate",
]

#: fields a task must give; a missing one is reported as ``missing-<field>``.
REQUIRED = ("id", "title_zh", "title_en", "source", "owner", "binds", "deadline")


class TaskError(IssuesError):
    """Task files failed validation; carries every error."""


@dataclass
class TaskBook:
    """Every task set and task read from a set of files, with where each came from."""

    sets: dict[str, TaskSet] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    paths: dict[str, FieldPath] = field(default_factory=dict)  # task id -> field path in file
    issues: list[Issue] = field(default_factory=list)

    def issue(self, level: Level, code: str, message: str, file: str, path: FieldPath) -> Issue:
        src = self.sources.get(file)
        return Issue(
            level,
            code,
            message,
            file,
            src.line(path) if src else None,
            ".".join(str(p) for p in path),
        )

    def task(self, ident: str) -> Task:
        try:
            return self.tasks[ident]
        except KeyError:
            raise KeyError(f"no reform task {ident!r}; known: {', '.join(self.tasks)}") from None

    def in_set(self, set_id: str) -> list[Task]:
        return [t for t in self.tasks.values() if t.set_id == set_id]


PACKS_DIR = Path(__file__).parent / "packs"
PACK_KIND = "reform-tasks"


def builtin_paths() -> list[Path]:
    """The task files of the packs shipped with yigong (``reform/packs/<id>/``), pack by pack."""
    packs, _ = open_packs(PACKS_DIR, None, PACK_KIND)
    return [f for pack in packs for f in pack.data_files()]


def pack_issues(refs: list[str | Path] | None = None) -> list[Issue]:
    """Findings about the pack folders (manifest, README, licence, checksums)."""
    return open_packs(PACKS_DIR, refs, PACK_KIND)[1]


def _pydantic(book: TaskBook, exc: ValidationError, file: str, path: FieldPath) -> None:
    for err in exc.errors():
        book.issues.append(
            book.issue(Level.ERROR, "schema", err["msg"], file, (*path, *err["loc"]))
        )


def _load_file(book: TaskBook, src: SourceFile) -> None:
    data = dict(src.data)
    tasks = data.pop("tasks", None)
    try:
        head = TaskSet.model_validate(data)
    except ValidationError as exc:
        _pydantic(book, exc, src.name, ())
        return
    if head.set in book.sets:
        book.issues.append(
            book.issue(
                Level.ERROR,
                "duplicate-set",
                f"task set {head.set!r} is defined by two files",
                src.name,
                ("set",),
            )
        )
    book.sets[head.set] = head
    if not isinstance(tasks, list) or not tasks:
        book.issues.append(
            book.issue(Level.ERROR, "schema", "a task file lists its tasks", src.name, ("tasks",))
        )
        return
    for i, body in enumerate(tasks):
        path: FieldPath = ("tasks", i)
        if not isinstance(body, dict):
            book.issues.append(
                book.issue(Level.ERROR, "schema", "a task is a mapping", src.name, path)
            )
            continue
        missing = [f for f in REQUIRED if body.get(f) in (None, "", [])]
        for f in missing:
            book.issues.append(
                book.issue(
                    Level.ERROR,
                    f"missing-{f}",
                    f"task {body.get('id', '#' + str(i + 1))!r} has no {f}",
                    src.name,
                    (*path, f) if f in body else path,
                )
            )
        if missing:
            continue
        try:
            task = Task.model_validate(
                {**body, "set_id": head.set, "file": src.name, "line": src.line(path)}
            )
        except ValidationError as exc:
            _pydantic(book, exc, src.name, path)
            continue
        if task.id in book.tasks:
            first = book.tasks[task.id]
            book.issues.append(
                book.issue(
                    Level.ERROR,
                    "duplicate-id",
                    f"task id {task.id!r} already defined in {first.file}:{first.line}",
                    src.name,
                    (*path, "id"),
                )
            )
            continue
        book.tasks[task.id] = task
        book.paths[task.id] = path


def load_tasks(paths: list[Path] | None = None) -> TaskBook:
    """Load task files or pack folders (the built-in packs by default); problems become issues,
    never raise."""
    book = TaskBook()
    files: list[Path] = []
    for path in paths if paths is not None else builtin_paths():
        if path.is_dir():
            packs, found = open_packs(PACKS_DIR, [path], PACK_KIND)
            book.issues += found
            files += [f for pack in packs for f in pack.data_files()]
        else:
            files.append(path)
    for p in files:
        try:
            src = SourceFile.read(p)
        except YAMLError as exc:
            book.issues.append(yaml_issue(exc, p.name))
            continue
        book.sources[src.name] = src
        if not isinstance(src.data, dict) or src.data.get("kind") != "reform-tasks":
            book.issues.append(
                Issue(
                    Level.ERROR,
                    "schema",
                    "a task file is a mapping with kind: reform-tasks",
                    src.name,
                    1,
                )
            )
            continue
        _load_file(book, src)
    return book


@dataclass(frozen=True)
class TaskCheck:
    """What a task check looks at: one task, where it is, and the indicator catalog."""

    book: TaskBook
    cat: Catalog
    task: Task

    @property
    def path(self) -> FieldPath:
        return self.book.paths[self.task.id]

    def issue(self, level: Level, code: str, message: str, path: FieldPath) -> Issue:
        return self.book.issue(level, code, message, self.task.file, path)


TASK_CHECKS: Checks[TaskCheck] = Checks("reform task")


@TASK_CHECKS.check("missing-lead")
def lead_named(c: TaskCheck) -> Iterator[Issue]:
    """The lead departments are named, or lead_note says the text names none."""
    if not c.task.lead_departments and not c.task.lead_note:
        yield c.issue(
            Level.ERROR,
            "missing-lead",
            "name the lead departments, or say in lead_note that the text names none",
            (*c.path, "lead_departments"),
        )


@TASK_CHECKS.check("unmeasurable")
def measurable(c: TaskCheck) -> Iterator[Issue]:
    """A task has linked indicators or the evidence that shows it done."""
    if not c.task.indicators and not c.task.evidence:
        yield c.issue(
            Level.ERROR,
            "unmeasurable",
            "a task needs linked indicators or the evidence that shows it done",
            c.path,
        )


@TASK_CHECKS.check("coverage")
def coverage(c: TaskCheck) -> Iterator[Issue]:
    """``measured_by_indicators: full`` needs linked indicators."""
    if c.task.measured_by_indicators is Coverage.FULL and not c.task.indicators:
        yield c.issue(
            Level.ERROR,
            "coverage",
            "measured_by_indicators: full needs linked indicators",
            (*c.path, "measured_by_indicators"),
        )


@TASK_CHECKS.check("indicators")
def linked_indicators(c: TaskCheck) -> Iterator[Issue]:
    """Linked indicators are listed once, exist in the catalog, have a target and are defined
    for division nodes (the last two: warnings)."""
    seen: set[str] = set()
    for j, ident in enumerate(c.task.indicators):
        where = (*c.path, "indicators", j)
        if ident in seen:
            yield c.issue(
                Level.ERROR, "duplicate-indicator", f"indicator {ident!r} linked twice", where
            )
        seen.add(ident)
        ind = c.cat.indicators.get(ident)
        if ind is None:
            yield c.issue(
                Level.ERROR,
                "unknown-indicator",
                f"indicator {ident!r} is not in the indicator catalog (yigong indicators list)",
                where,
            )
            continue
        if not any(t.indicator == ident for t in c.cat.targets):
            yield c.issue(
                Level.WARNING,
                "indicator-without-target",
                f"{ident} has no target in the catalog: shown, not counted",
                where,
            )
        bound = {NodeLevel(b.value) for b in c.task.binds}
        if not bound & ind.node_levels:
            yield c.issue(
                Level.WARNING,
                "indicator-not-for-divisions",
                f"{ident} is defined for {', '.join(sorted(ind.node_levels))} nodes; the "
                f"task binds {', '.join(sorted(bound))}",
                where,
            )


def validate(book: TaskBook, cat: Catalog) -> list[Issue]:
    """Loading issues plus the cross-checks of every task against the indicator catalog."""
    issues = list(book.issues)
    for task in book.tasks.values():
        issues += run_checks(TASK_CHECKS, TaskCheck(book, cat, task))
    return issues


def require_valid(book: TaskBook, cat: Catalog) -> TaskBook:
    """The book, or `TaskError` with every error (warnings pass)."""
    errors = [i for i in validate(book, cat) if i.level is Level.ERROR]
    if errors:
        raise TaskError(errors)
    return book


def policy_quotes() -> list[Quote]:
    """The quotes of every built-in task (its source paragraph and any others), with the file
    and line of the task (rows of ``docs/rules.md``)."""
    packs, _ = open_packs(PACKS_DIR, None, PACK_KIND)
    out: list[Quote] = []
    for pack in packs:
        for path in pack.data_files():
            book = load_tasks([path])
            for task in book.tasks.values():
                head = book.sets[task.set_id].source
                src = book.sources[task.file]
                where = book.paths[task.id]
                for k, ref in enumerate([task.source, *task.also]):
                    at = (*where, "source") if k == 0 else (*where, "also", k - 1)
                    out.append(
                        Quote(
                            ref.quote,
                            f"[{head.letter}] {head.file} ¶{ref.para}",
                            PACK_KIND,
                            pack.id,
                            f"task {task.id}",
                            repo_path(path),
                            src.line(at),
                        )
                    )
    return out
