"""Reform tasks as data: the key tasks and targets of the policy texts (rule packs ``reform/packs/<id>/``),
their validator, and progress computed from indicator results and manual entries.

Public surface: `load_tasks` / `validate` (task files → tasks and issues), `task_progress`
(pure: one task at one node and year from indicator results and manual entries).
"""

from yigong.reform.loader import TaskBook, TaskError, load_tasks, require_valid, validate
from yigong.reform.progress import (
    IndicatorProgress,
    ManualEntry,
    TaskProgress,
    TaskStatus,
    Verdict,
    indicator_progress,
    task_progress,
)
from yigong.reform.spec import Coverage, Task, TaskSet

__all__ = [
    "Coverage",
    "IndicatorProgress",
    "ManualEntry",
    "Task",
    "TaskBook",
    "TaskError",
    "TaskProgress",
    "TaskSet",
    "TaskStatus",
    "Verdict",
    "indicator_progress",
    "load_tasks",
    "require_valid",
    "task_progress",
    "validate",
]
