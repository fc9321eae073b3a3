"""YAML reading that remembers where each field came from (file and 1-based line).

Every rule pack is read by this one reader: a file is parsed once into plain data plus a map
``field path -> line``; a validator turns a field path (as Pydantic or a check reports it) into
the line a human edits. With ``decimals=True`` YAML floats become ``Decimal`` from their exact
text (payment policies: money and shares are never floats).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from yigong.rulepacks.issues import Issue, Level

__all__ = ["DecimalLoader", "FieldPath", "SourceFile", "YAMLError", "dotted", "yaml_issue"]

#: the error `SourceFile.parse` raises on bad YAML syntax (engines catch it without importing yaml)
YAMLError = yaml.YAMLError

FieldPath = tuple[str | int, ...]


class DecimalLoader(yaml.SafeLoader):
    """Safe loader that reads YAML floats as ``Decimal`` from their exact text."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    return Decimal(text)


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def _walk(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1  # a field is found at its key
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def dotted(path: FieldPath) -> str:
    """A field path as the dotted name issues carry (``rules.0.params.max_gap_days``)."""
    return ".".join(str(p) for p in path)


@dataclass
class SourceFile:
    """One parsed YAML file: its name (as issues show it), its data and the line of every field."""

    name: str
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, name: str, *, decimals: bool = False) -> SourceFile:
        """Parse YAML text; raises ``yaml.YAMLError`` (with its own mark) on bad syntax."""
        loader = DecimalLoader if decimals else yaml.SafeLoader
        node = yaml.compose(text, Loader=loader)
        lines: dict[FieldPath, int] = {}
        data: Any = None
        if node is not None:
            _walk(node, (), lines)
            data = loader("").construct_document(node)
        return cls(name, data, lines)

    @classmethod
    def read(cls, path: Path, name: str | None = None, *, decimals: bool = False) -> SourceFile:
        """Read and parse a file; ``name`` (default: the file name) is what issues show."""
        return cls.parse(path.read_text(encoding="utf-8"), name or path.name, decimals=decimals)

    def line(self, path: FieldPath) -> int | None:
        """The line of the longest known prefix of ``path``."""
        for cut in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:cut]))
            if found is not None:
                return found
        return None

    def path_of(self, field: str) -> FieldPath:
        """The field path of a dotted field name (digits are list indices where the file has a
        list there, mapping keys otherwise)."""
        path: list[str | int] = []
        for part in field.split(".") if field else []:
            if part.isdigit() and (*path, int(part)) in self.lines:
                path.append(int(part))
            else:
                path.append(part)
        return tuple(path)

    def locate(self, issue: Issue) -> Issue:
        """``issue`` (found on the parsed data, naming only its field) placed in this file."""
        return replace(issue, file=self.name, line=self.line(self.path_of(issue.field)))

    def issue(self, code: str, message: str, path: FieldPath, level: Level = Level.ERROR) -> Issue:
        """An issue at ``path`` of this file (its line and dotted field name)."""
        return Issue(level, code, message, self.name, self.line(path), dotted(path))


def yaml_issue(exc: Exception, file: str, code: str = "yaml") -> Issue:
    """The issue for a YAML syntax error: its first line, at the line of its mark."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    return Issue(Level.ERROR, code, str(exc).splitlines()[0], file, line)
