"""YAML reading that remembers where each field came from (file and 1-based line).

The catalog loader parses a file once into plain data plus a map ``field path -> line``; the
validator turns a field path (as Pydantic or a rule reports it) into the line a human edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["FieldPath", "SourceFile"]

FieldPath = tuple[str | int, ...]


def _walk(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


@dataclass
class SourceFile:
    """One parsed YAML file: its data and the line of every field path."""

    name: str
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, name: str) -> SourceFile:
        """Parse YAML text; raises ``yaml.YAMLError`` (with its own mark) on bad syntax."""
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        lines: dict[FieldPath, int] = {}
        if node is not None:
            _walk(node, (), lines)
        return cls(name, yaml.safe_load(text), lines)

    @classmethod
    def read(cls, path: Path) -> SourceFile:
        return cls.parse(path.read_text(encoding="utf-8"), path.name)

    def line(self, path: FieldPath) -> int | None:
        """The line of the longest known prefix of ``path``."""
        for cut in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:cut]))
            if found is not None:
                return found
        return None
