"""The 《社会组织党建工作年检清单》: the checklist's items, read once from definitions/checklists.

The items are local policy (INS-1: the registration authority and the non-public-sector Party
working committee draw the list up), so they are data beside the procedure definitions, not
code; the self-check form is built from them (`schemas.SelfCheckSchema`), and the items marked
decisive are what the inspection result follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

CHECKLIST_FILE = "inspection.v1.yaml"


@dataclass(frozen=True)
class Item:
    """One checklist item: what is checked, whether failing it fails the inspection, and the
    policy articles it comes from (title and article)."""

    id: str
    zh: str
    en: str
    decisive: bool
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Checklist:
    title_zh: str
    title_en: str
    items: tuple[Item, ...]

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @property
    def decisive(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items if i.decisive)


@cache
def checklist() -> Checklist:
    """The checklist shipped with inspection v1 (package data of `definitions`)."""
    text = (files("definitions") / "checklists" / CHECKLIST_FILE).read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return Checklist(
        raw["title"]["zh"],
        raw["title"]["en"],
        tuple(
            Item(
                i["id"],
                i["zh"],
                i["en"],
                bool(i.get("decisive", False)),
                tuple(i.get("sources", ())),
            )
            for i in raw["items"]
        ),
    )
