"""Reading YAML configuration with line numbers, so every problem names file, line and field.

PyYAML's composer keeps a start mark on every node; we walk the node tree once and remember
the line of each path (a tuple of mapping keys and sequence indexes). Validation errors from
pydantic carry the same kind of path in `loc`, so they can be mapped back to a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ConfigError(Exception):
    """A configuration file was refused; `problems` lists every reason, one per line."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class YamlDocument:
    """A parsed YAML file with the line of every path in it."""

    path: Path
    data: Any
    lines: dict[PathKey, int]

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """Return the line of the deepest known prefix of loc (1-based), or None."""
        key = tuple(loc)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get(())

    def problem(self, loc: Iterable[str | int], message: str) -> Problem:
        """Build a Problem located at loc in this document."""
        loc = tuple(loc)
        return Problem(str(self.path), self.line_of(loc), dotted(loc), message)


def dotted(loc: Iterable[str | int]) -> str:
    """Render a path as nodes[3].id."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: pydantic parses them and reports bad ones with
    their line, where PyYAML would raise a bare ValueError for 2019-09-31."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _walk(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], dupes: list) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                dupes.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines, dupes)


def load_yaml(path: str | Path) -> YamlDocument:
    """Parse a YAML file; raise ConfigError naming file and line for syntax errors,
    duplicate keys and unreadable files."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), None, "", f"cannot read file: {exc}")]) from exc
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([Problem(str(path), line, "", f"not valid YAML: {reason}")]) from exc
    lines: dict[PathKey, int] = {}
    dupes: list[tuple[PathKey, int]] = []
    if root is not None:
        _walk(root, (), lines, dupes)
    if dupes:
        raise ConfigError(
            [Problem(str(path), line, dotted(p), "duplicate key") for p, line in dupes]
        )
    return YamlDocument(path, data, lines)


def validation_problems(doc: YamlDocument, error: ValidationError) -> list[Problem]:
    """Turn a pydantic ValidationError into located problems, one per error."""
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        message = err["msg"]
        if err["type"] == "missing":
            message = "required field is missing"
        elif "input" in err and err["type"] not in ("extra_forbidden",):
            message = f"{message} (got {err['input']!r})"
        problems.append(doc.problem(loc, message))
    return problems


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the chosen member of a tagged union into loc ("nodes", 0, "count", ...):
    # such tags are not keys of the file, and they would make the field name confusing.
    return isinstance(part, str) and part.startswith(("function-", "tagged-union["))


def parse_model(doc: YamlDocument, model: type[M]) -> M:
    """Validate a document against a pydantic model, raising located ConfigError."""
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        raise ConfigError(validation_problems(doc, exc)) from exc
