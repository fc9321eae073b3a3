"""Rule packs: the one machinery every engine uses to read, locate and check its rules as data.

- `Issue` / `Level` / `IssuesError`: the one vocabulary of findings (file, line, field, reason);
- `SourceFile`: the one YAML-with-lines reader (``decimals=True`` reads floats as ``Decimal``);
- `validate_model`: Pydantic errors → issues at their lines;
- `open_pack` / `open_packs` / `resolve` / `seal`: built-in packs by id, user packs by folder,
  with the pack convention (``manifest.toml``, ``README.md``, licence, checksums) checked;
- `Checks` / `run_checks`: a registry of small named checks, run by one function;
- `load_one_file_pack` / `one_file_quotes`: packs holding exactly one YAML file (a Pydantic
  model or the engine's parser, then its semantic checks), and their policy quotes;
- `read_toml_model`: the one reader of TOML manifests (a pack's ``manifest.toml``, a grouper
  pack's manifest, a layout profile's ``profile.toml``), errors at their lines;
- `SectionPacks`: packs whose files are the sections of one model (payment and operations
  policies), loaded, checked and quoted by one class;
- `Quote` / `rules_markdown`: a policy sentence and where a pack implements it (``docs/rules.md``).

Engines keep only their spec (Pydantic models) and their checks. This package imports no engine.
"""

from __future__ import annotations

from yigong.rulepacks.checks import Check, Checks, run_checks
from yigong.rulepacks.issues import Issue, IssuesError, Level, error, errors_in, warning
from yigong.rulepacks.manifest import MANIFEST, PackManifest, read_manifest, read_toml_model
from yigong.rulepacks.model_pack import (
    load_model_pack,
    load_one_file_pack,
    one_file_of,
    one_file_quotes,
    parse_one_file,
    value_at,
)
from yigong.rulepacks.models import model_issues, validate_model
from yigong.rulepacks.packs import (
    Pack,
    PackNotFound,
    builtin_folders,
    is_pack_folder,
    open_pack,
    open_packs,
    resolve,
    seal,
    sha256_file,
)
from yigong.rulepacks.quotes import Quote, repo_path, rules_markdown
from yigong.rulepacks.sections import (
    SectionPacks,
    clauses,
    leading_tags,
    merge_sections,
    section_issues,
)
from yigong.rulepacks.yamlsrc import (
    DecimalLoader,
    FieldPath,
    SourceFile,
    YAMLError,
    dotted,
    yaml_issue,
)

__all__ = [
    "MANIFEST",
    "Check",
    "Checks",
    "DecimalLoader",
    "FieldPath",
    "Issue",
    "IssuesError",
    "Level",
    "Pack",
    "PackManifest",
    "PackNotFound",
    "Quote",
    "SectionPacks",
    "SourceFile",
    "YAMLError",
    "builtin_folders",
    "clauses",
    "dotted",
    "error",
    "errors_in",
    "is_pack_folder",
    "leading_tags",
    "load_model_pack",
    "load_one_file_pack",
    "merge_sections",
    "model_issues",
    "one_file_of",
    "one_file_quotes",
    "open_pack",
    "open_packs",
    "parse_one_file",
    "read_manifest",
    "read_toml_model",
    "repo_path",
    "resolve",
    "rules_markdown",
    "run_checks",
    "seal",
    "section_issues",
    "sha256_file",
    "validate_model",
    "value_at",
    "warning",
    "yaml_issue",
]
