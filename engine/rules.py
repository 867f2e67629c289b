"""Refusals and the rules catalogue: every refusal cites a DOMAIN.md rule ID."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    """Why a step is not allowed, in both UI languages, with the rule that says so."""

    rule: str
    zh: str
    en: str
    details: dict = field(default_factory=dict, compare=False)

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang.startswith("zh") else self.en

    def as_dict(self) -> dict:
        out = {"rule": self.rule, "zh": self.zh, "en": self.en}
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True)
class Rule:
    id: str
    zh: str
    en: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RuleCatalogue:
    rules: dict[str, Rule]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)
