"""What a request form is: a title, a reference prefix, an optional command and ordered fields."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

PREFILLS = ("pending_question",)  # conversation values a field may start from (Conversation.prefill)


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]
    also: dict[str, tuple[str, ...]] = dataclass_field(default_factory=dict)  # other words for it, per language


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    optional: bool
    label: dict[str, str]  # short name, for the summary and the "edit" buttons
    prompt: dict[str, str]
    hint: dict[str, str]
    error: dict[str, str]
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    prefill: str | None = None
    multiple: bool = False  # photo fields: several photos, finished with "done"
    max_items: int = 10

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Form:
    kind: str
    prefix: str
    command: str | None
    title: dict[str, str]
    fields: tuple[Field, ...]
    path: Path
    # the source's own way to ask, said when the form starts ("or e-mail info@clair.or.kr"); {} = none
    route: dict[str, str] = dataclass_field(default_factory=dict)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def index(self, name: str) -> int:
        return next((i for i, f in enumerate(self.fields) if f.name == name), -1)


class FormRegistry(Mapping[str, Form]):
    """The forms by kind, and by the command that starts them."""

    def __init__(self, forms: dict[str, Form]) -> None:
        self._forms = forms
        self._commands = {f.command: f for f in forms.values() if f.command}

    def __getitem__(self, kind: str) -> Form:
        return self._forms[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._forms)

    def __len__(self) -> int:
        return len(self._forms)

    def by_command(self, command: str) -> Form | None:
        return self._commands.get(command)
