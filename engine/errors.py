"""Domain errors, each mapped once to an HTTP status or CLI exit code by the adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.rules import Refusal


class TongbuError(Exception):
    """Base of every error the engine raises on purpose."""


class NotFound(TongbuError):
    def __init__(self, what: str, key: Any) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class Conflict(TongbuError):
    """The case moved since the actor looked at it: nothing was changed."""

    def __init__(
        self, case_id: int, expected_version: int, current_version: int, current_state: str
    ) -> None:
        super().__init__(
            f"case {case_id} is at version {current_version} (state {current_state!r}), "
            f"not {expected_version}: someone else changed it; reload and try again"
        )
        self.case_id = case_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.current_state = current_state


class Forbidden(TongbuError):
    """The actor's role or unit does not allow this; not a rule of the procedure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionRefused(TongbuError):
    """A guard refused the step; the refusal names the rule (DOMAIN.md ID)."""

    def __init__(self, refusal: Refusal, trigger: str | None = None) -> None:
        super().__init__(f"[{refusal.rule}] {refusal.en} / {refusal.zh}")
        self.refusal = refusal
        self.trigger = trigger


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.problem}"


class DefinitionError(TongbuError):
    """One or more problems in definition files; each names file, path and problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
