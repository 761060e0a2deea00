"""Column-mapping profiles: how one export's columns map onto a canonical entity.

A profile is a YAML file in ``sources/mappings/``. Adding a source means adding a profile;
no code changes. See ``sources/mappings/web_forms.yml`` for a commented example.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from flows.entities import ENTITIES
from flows.settings import ConfigurationError
from flows.yamlfile import load_model


class CsvOptions(BaseModel):
    """How a CSV export is written; ``auto`` values are detected per file (flows/dialect.py)."""

    model_config = ConfigDict(extra="forbid")

    # auto, or one of , ; tab (YAML "\t") |
    delimiter: Literal["auto", ",", ";", "\t", "|"] = "auto"
    quote: str = Field(default='"', max_length=1)
    encoding: Literal["auto", "utf-8", "windows-1252", "latin-1"] = "auto"
    # decimal separator of numbers (auto: a comma when the numbers can only be read so)
    decimal: Literal["auto", ".", ","] = "auto"
    # thousands separator ("" for none; auto: the other of "." and "," than the decimal)
    thousands: Literal["auto", "", ",", ".", " ", "'"] = "auto"
    # dates written day first (31/12/2026); unset: detected when the profile declares no
    # timestamp_formats
    day_first: bool | None = None


AttributeType = Literal["text", "number", "boolean", "date"]


class Attribute(BaseModel):
    """A source column kept per lead under a chosen name, parsed as its type."""

    model_config = ConfigDict(extra="forbid")

    column: str = Field(min_length=1)
    type: AttributeType = "text"


class MappingProfile(BaseModel):
    """One export format: which files, how to read them, which column is which field."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    entity: str
    source_type: Literal["form", "event", "card", "subscription", "crm", "enrichment"]
    match: list[str] = Field(min_length=1)
    format: Literal["csv", "jsonl", "parquet"]
    csv: CsvOptions = Field(default_factory=CsvOptions)
    timestamp_formats: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    columns: dict[str, str] = Field(min_length=1)
    constants: dict[str, str] = Field(default_factory=dict)
    # Per field, source values replaced by canonical ones (e.g. "Page Viewed": page_view);
    # values not listed pass through unchanged; a value mapped to null (YAML ~) drops the
    # row from this entity (counted in the ledger as rows_dropped / dropped_values).
    values: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)
    # Other source columns kept per record under a chosen name (entity contacts):
    # `name: Column` (text) or `name: {column: Column, type: number}`.
    attributes: dict[str, Attribute] = Field(default_factory=dict)
    # Values a closed vocabulary accepts beyond the built-in ones (event types declared in
    # config/scoring.yml); set by load_profiles, not by the profile file.
    _declared: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attribute_shorthand(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: {"column": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> MappingProfile:
        if self.entity not in ENTITIES:
            raise ValueError(f"entity {self.entity!r} is not one of {sorted(ENTITIES)}")
        entity = ENTITIES[self.entity]
        unknown = sorted(
            set(self.columns) | set(self.constants) | set(self.required) | set(self.values)
        )
        unknown = [f for f in unknown if f not in entity.fields]
        if unknown:
            raise ValueError(
                f"fields {unknown} are not fields of {self.entity} "
                f"(fields: {', '.join(entity.fields)})"
            )
        missing = [f for f in entity.required if f not in self.columns]
        if missing:
            raise ValueError(f"required fields {missing} of {self.entity} are not mapped")
        if self.attributes and not entity.attributes:
            raise ValueError(f"attributes: the {self.entity} entity has no attributes")
        for name in self.attributes:
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
                raise ValueError(
                    f"attributes: {name!r} is not a valid name (lower-case letters, digits, _)"
                )
            if name in entity.fields:
                raise ValueError(
                    f"attributes: {name!r} is a standard field of {self.entity}: map it under "
                    "columns instead"
                )
        return self

    def declare(self, field: str, values: Iterable[str]) -> MappingProfile:
        """A copy whose vocabulary for ``field`` also accepts ``values``."""
        copy = self.model_copy()
        copy._declared = {**self._declared, field: tuple(values)}
        return copy

    def vocabulary(self, field: str, built_in: tuple[str, ...]) -> tuple[str, ...]:
        """The values ``field`` accepts: the built-in ones and those declared."""
        return (*built_in, *self._declared.get(field, ()))

    def required_columns(self) -> list[str]:
        """Source columns a file must have: of the entity's and the profile's required fields."""
        fields = dict.fromkeys([*ENTITIES[self.entity].required, *self.required])
        return [self.columns[f] for f in fields if f in self.columns]

    def matches(self, relative_path: str) -> bool:
        """Whether a landing-relative path (``/`` separators) is a file of this profile."""
        return any(fnmatch(relative_path, pattern) for pattern in self.match)


def load_profiles(folder: Path, event_types: Iterable[str] = ()) -> list[MappingProfile]:
    """Read every ``*.yml`` profile in ``folder``; an invalid one is an error naming the file.

    ``event_types`` are the event types the scoring configuration declares beyond the
    built-in ones: event rows of those types are accepted, of any other type quarantined.
    """
    if not folder.is_dir():
        raise ConfigurationError(f"mapping folder {folder} does not exist")
    profiles: list[MappingProfile] = []
    for path in sorted(folder.glob("*.yml")):
        profiles.append(load_model(MappingProfile, path, "invalid mapping profile"))
    names = [p.name for p in profiles]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"{folder}: duplicate mapping profile names {duplicates}")
    attribute_types(profiles, folder)
    declared = tuple(event_types)
    return [p.declare("event_type", declared) if p.entity == "events" else p for p in profiles]


def attribute_types(profiles: list[MappingProfile], folder: Path | None = None) -> dict[str, str]:
    """Every attribute the profiles define and its type; one name with two types is an error."""
    types: dict[str, str] = {}
    seen: dict[str, str] = {}
    for profile in profiles:
        for name, spec in profile.attributes.items():
            if name in types and types[name] != spec.type:
                raise ConfigurationError(
                    f"{folder or 'mappings'}: attribute {name!r} is {types[name]} in profile "
                    f"{seen[name]!r} but {spec.type} in profile {profile.name!r}"
                )
            types[name], seen[name] = spec.type, profile.name
    return dict(sorted(types.items()))


def profiles_for(relative_path: str, profiles: list[MappingProfile]) -> list[MappingProfile]:
    """Every profile whose globs match the path, in file name order.

    One export may feed several entities (a form export gives contacts and hand-raise
    events), but not the same entity twice.
    """
    matched = [p for p in profiles if p.matches(relative_path)]
    entities = [p.entity for p in matched]
    twice = sorted({e for e in entities if entities.count(e) > 1})
    if twice:
        names = ", ".join(p.name for p in matched if p.entity in twice)
        raise ConfigurationError(
            f"{relative_path} matches several mapping profiles for {twice}: {names}"
        )
    return matched
