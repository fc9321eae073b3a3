"""The one YAML-with-lines reader: lines of fields, Decimal option, located issues."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from yigong.rulepacks import Issue, Level, SourceFile, yaml_issue

TEXT = """\
# a comment
top:
  share: 0.05
  tiers:
    - {up_to: 0.1, kept: 1}
    - {up_to: null, kept: 0.3}
  "4": 7
"""


def test_lines_of_fields_and_longest_prefix() -> None:
    src = SourceFile.parse(TEXT, "p.yaml")
    assert src.line(("top",)) == 2
    assert src.line(("top", "share")) == 3
    assert src.line(("top", "tiers", 1)) == 6
    assert src.line(("top", "tiers", 1, "kept")) == 6
    assert src.line(("top", "tiers", 5, "kept")) == 4  # falls back to the longest known prefix
    assert src.data["top"]["share"] == 0.05  # plain YAML: floats


def test_decimals_are_read_from_their_text() -> None:
    src = SourceFile.parse(TEXT, "p.yaml", decimals=True)
    assert src.data["top"]["share"] == Decimal("0.05")
    assert isinstance(src.data["top"]["tiers"][0]["up_to"], Decimal)
    assert src.data["top"]["tiers"][0]["kept"] == 1


def test_an_issue_found_on_the_data_is_placed_at_its_field() -> None:
    src = SourceFile.parse(TEXT, "p.yaml")
    assert src.path_of("top.tiers.1.kept") == ("top", "tiers", 1, "kept")
    assert src.path_of("top.4") == ("top", "4")  # a mapping key made of digits stays a key
    found = src.locate(Issue(Level.ERROR, "x", "bad", "", None, "top.tiers.1.kept"))
    assert (found.file, found.line, found.field) == ("p.yaml", 6, "top.tiers.1.kept")
    assert str(found) == "p.yaml:6 [top.tiers.1.kept]: error x: bad"


def test_syntax_errors_name_their_line() -> None:
    with pytest.raises(yaml.YAMLError) as info:
        SourceFile.parse("a: [1,\nb: 2\n", "bad.yaml")
    issue = yaml_issue(info.value, "bad.yaml")
    assert issue.code == "yaml" and issue.file == "bad.yaml" and issue.line is not None
