"""Column-mapping profiles: how one export's columns map onto a canonical entity.

A profile is a YAML file in ``sources/mappings/``. Adding a source means adding a profile;
no code changes. See ``sources/mappings/web_forms.yml`` for a commented example.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    # values not listed pass through unchanged.
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)

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
        return self

    def required_columns(self) -> list[str]:
        """Source columns a file must have: of the entity's and the profile's required fields."""
        fields = dict.fromkeys([*ENTITIES[self.entity].required, *self.required])
        return [self.columns[f] for f in fields if f in self.columns]

    def matches(self, relative_path: str) -> bool:
        """Whether a landing-relative path (``/`` separators) is a file of this profile."""
        return any(fnmatch(relative_path, pattern) for pattern in self.match)


def load_profiles(folder: Path) -> list[MappingProfile]:
    """Read every ``*.yml`` profile in ``folder``; an invalid one is an error naming the file."""
    if not folder.is_dir():
        raise ConfigurationError(f"mapping folder {folder} does not exist")
    profiles: list[MappingProfile] = []
    for path in sorted(folder.glob("*.yml")):
        profiles.append(load_model(MappingProfile, path, "invalid mapping profile"))
    names = [p.name for p in profiles]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"{folder}: duplicate mapping profile names {duplicates}")
    return profiles


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
