"""YAML files people edit, read so that an error names the file, the line and the key.

``read_yaml`` loads a file with PyYAML and keeps its node tree; ``explain`` turns a pydantic
``ValidationError`` into one line per problem, ``file:line: key.path: message``, with a
"did you mean" suggestion (difflib) when a key is not one the model knows.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from flows.settings import ConfigurationError

_M = typing.TypeVar("_M", bound=BaseModel)


@dataclass
class YamlFile:
    """A YAML file's data and its node tree (for line numbers)."""

    path: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """The 1-based line of the deepest node on ``loc`` (keys and list indexes)."""
        node, line = self.root, None
        if node is not None:
            line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = next(
                    ((k, v) for k, v in node.value if str(getattr(k, "value", None)) == str(part)),
                    None,
                )
                if found is None:
                    break
                key, node = found
                line = key.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line


def read_yaml(path: Path, what: str = "configuration file") -> YamlFile:
    """Read ``path``; a missing file or invalid YAML is a :class:`ConfigurationError` naming
    the file and the line."""
    if not path.is_file():
        raise ConfigurationError(f"{path}: {what} not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigurationError(f"{where}: not valid YAML: {problem}") from None
    return YamlFile(path, data, root)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _step(annotation: Any, part: Any) -> Any:
    """The annotation one step down ``loc`` from ``annotation``."""
    model = _model_of(annotation)
    if model is not None:
        field = model.model_fields.get(str(part))
        return field.annotation if field is not None else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            found = _step(arg, part)
            if found is not None:
                return found
        return None
    if origin in (list, tuple, set) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at ``loc`` (empty when ``loc`` is not a model)."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    for candidate in (annotation, *typing.get_args(annotation)):
        found = _model_of(candidate)
        if found is not None:
            return list(found.model_fields)
    return []


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, else ``""``."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def explain(
    source: YamlFile, model: type[BaseModel], exc: ValidationError, title: str
) -> ConfigurationError:
    """``file: title:`` then one line per problem: ``file:line: key.path: message`` (with
    "did you mean" for an unknown key)."""
    lines = []
    for err in exc.errors():
        # a mapping key that fails validation is at (..., key, "[key]"): name the key
        loc = tuple(part for part in err["loc"] if part != "[key]")
        line = source.line_of(loc)
        where = f"{source.path}:{line}" if line else str(source.path)
        key = ".".join(str(p) for p in loc) or "(top level)"
        message = err["msg"]
        if err["type"] == "extra_forbidden" and loc:
            message = "unknown key" + did_you_mean(str(loc[-1]), known_keys(model, loc[:-1]))
        elif err["type"] == "missing":
            message = "required key missing"
        lines.append((where, f"{key}: {message}"))
    return ConfigurationError(
        f"{source.path}: {title}:\n" + "\n".join(f"  {w}: {p}" for w, p in lines)
    )


def load_model(
    model: type[_M], path: Path, title: str, context: dict[str, Any] | None = None
) -> _M:
    """Read ``path`` and validate it with ``model`` (and a pydantic validation ``context``);
    errors name the file, line and key."""
    source = read_yaml(path)
    try:
        return model.model_validate(source.data, context=context)
    except ValidationError as exc:
        raise explain(source, model, exc, title) from None
