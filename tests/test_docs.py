"""The reference pages under docs/ cover what the code defines, and the README links them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from flows.config import IcpConfig, ScoringConfig
from flows.entities import ENTITIES, EVENT_TYPES
from flows.mapping import CsvOptions, MappingProfile

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def headings(name: str) -> set[str]:
    """The `key` names of a page's headings (`## \\`fit_threshold\\` (required)`)."""
    return {m for line in text(name).splitlines() if line.startswith("#")
            for m in re.findall(r"`([a-z_]+)`", line)}  # fmt: skip


def test_every_entity_and_field_is_documented() -> None:
    page = text("entities.md")
    for name, entity in ENTITIES.items():
        assert f"## {name}\n" in page, name
        section = page.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]
        for field in entity.fields:
            assert f"`{field}`" in section, f"{name}.{field}"
    for event_type in EVENT_TYPES:
        assert f"`{event_type}`" in page, event_type


def test_every_mapping_profile_key_is_documented() -> None:
    documented = headings("mapping-profiles.md")
    assert set(MappingProfile.model_fields) <= documented
    page = text("mapping-profiles.md")
    for key in CsvOptions.model_fields:
        assert f"`{key}`" in page, key


def test_every_icp_and_scoring_key_is_documented() -> None:
    assert set(IcpConfig.model_fields) <= headings("icp.md")
    assert set(ScoringConfig.model_fields) <= headings("scoring.md")
    # The keys the issue names, whatever the code in this checkout knows yet.
    assert {"criteria", "groups", "required_firmographics"} <= headings("icp.md")
    assert {"event_types", "attribute_rules"} <= headings("scoring.md")


def test_yaml_examples_parse() -> None:
    for page in DOCS.glob("*.md"):
        for block in re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            yaml.safe_load(block)


def test_readme_links_the_docs_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ["own-exports-walkthrough.md", "entities.md", "mapping-profiles.md", "icp.md",
                 "scoring.md", "generator.md"]:  # fmt: skip
        assert f"](docs/{page})" in readme, page
    pages = [ROOT / "README.md", *DOCS.glob("*.md"), *(ROOT / "examples").glob("*/README.md")]
    for page in pages:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), f"{page.name}: {target}"
