"""Reading and validating task files: every problem is an `Issue` naming file, line and field.

`load_tasks` never raises on bad content; `validate` adds the cross-checks against the
indicator catalog (linked ids must exist; warnings when an indicator has no target or is not
defined for division nodes). `TaskError` carries every error when a caller needs usable tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from yigong.indicators.loader import Catalog
from yigong.indicators.spec import NodeLevel
from yigong.indicators.yamlsrc import FieldPath, SourceFile
from yigong.issues import Issue, IssuesError, Level
from yigong.reform.spec import Coverage, Task, TaskSet

__all__ = ["TaskBook", "TaskError", "builtin_paths", "load_tasks", "require_valid", "validate"]

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


def builtin_paths() -> list[Path]:
    """The task files shipped with yigong (package data ``yigong/reform/tasks``)."""
    root = resources.files("yigong.reform") / "tasks"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith((".yaml", ".yml")))


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
    """Load task files (the built-in ones by default); problems become issues, never raise."""
    book = TaskBook()
    for p in paths if paths is not None else builtin_paths():
        try:
            src = SourceFile.read(p)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            book.issues.append(
                Issue(
                    Level.ERROR,
                    "yaml",
                    str(exc).splitlines()[0],
                    p.name,
                    mark.line + 1 if mark is not None else None,
                )
            )
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


def _check_task(book: TaskBook, cat: Catalog, task: Task) -> list[Issue]:
    out: list[Issue] = []
    path = book.paths[task.id]
    if not task.lead_departments and not task.lead_note:
        out.append(
            book.issue(
                Level.ERROR,
                "missing-lead",
                "name the lead departments, or say in lead_note that the text names none",
                task.file,
                (*path, "lead_departments"),
            )
        )
    if not task.indicators and not task.evidence:
        out.append(
            book.issue(
                Level.ERROR,
                "unmeasurable",
                "a task needs linked indicators or the evidence that shows it done",
                task.file,
                path,
            )
        )
    if task.measured_by_indicators is Coverage.FULL and not task.indicators:
        out.append(
            book.issue(
                Level.ERROR,
                "coverage",
                "measured_by_indicators: full needs linked indicators",
                task.file,
                (*path, "measured_by_indicators"),
            )
        )
    seen: set[str] = set()
    for j, ident in enumerate(task.indicators):
        where = (*path, "indicators", j)
        if ident in seen:
            out.append(
                book.issue(
                    Level.ERROR,
                    "duplicate-indicator",
                    f"indicator {ident!r} linked twice",
                    task.file,
                    where,
                )
            )
        seen.add(ident)
        ind = cat.indicators.get(ident)
        if ind is None:
            out.append(
                book.issue(
                    Level.ERROR,
                    "unknown-indicator",
                    f"indicator {ident!r} is not in the indicator catalog (yigong indicators list)",
                    task.file,
                    where,
                )
            )
            continue
        if not any(t.indicator == ident for t in cat.targets):
            out.append(
                book.issue(
                    Level.WARNING,
                    "indicator-without-target",
                    f"{ident} has no target in the catalog: shown, not counted",
                    task.file,
                    where,
                )
            )
        bound = {NodeLevel(b.value) for b in task.binds}
        if not bound & ind.node_levels:
            out.append(
                book.issue(
                    Level.WARNING,
                    "indicator-not-for-divisions",
                    f"{ident} is defined for {', '.join(sorted(ind.node_levels))} nodes; the "
                    f"task binds {', '.join(sorted(bound))}",
                    task.file,
                    where,
                )
            )
    return out


def validate(book: TaskBook, cat: Catalog) -> list[Issue]:
    """Loading issues plus the cross-checks of every task against the indicator catalog."""
    issues = list(book.issues)
    for task in book.tasks.values():
        issues += _check_task(book, cat, task)
    return issues


def require_valid(book: TaskBook, cat: Catalog) -> TaskBook:
    """The book, or `TaskError` with every error (warnings pass)."""
    errors = [i for i in validate(book, cat) if i.level is Level.ERROR]
    if errors:
        raise TaskError(errors)
    return book
