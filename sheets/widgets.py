"""Cells: the widgets that parse what clerks type and render what is exported."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from core.money import parse_money
from core.text import INVISIBLE_CHARACTERS
from sheets.constants import FORMULA_PREFIXES, LIST_JOINER, SHEET_LANGUAGE
from sheets.parsing import (
    normalize_text,
    parse_bool_zh,
    parse_date,
    parse_int,
    split_list,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from sheets.resources import SheetResource
    from unions.models import User


# --- cells: the widgets ----------------------------------------------------------------


def _strip_formula_escape(text: str) -> str:
    # Our export writes '=... for a cell that would start a formula; take it back off.
    if text[:1] == "'" and text[1:2] in FORMULA_PREFIXES:
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ".0", dates as 2007-02-07, ends stripped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _strip_formula_escape(str(value).translate(INVISIBLE_CHARACTERS).strip())


class SheetWidget(widgets.Widget):
    """A widget that parses one cell and raises ``ValueError``/``ValidationError``.

    ``clean`` returns ``None`` for a blank cell, so a field can tell "left empty" from a
    value. ``render`` returns the export value: text, or a native date/Decimal/int that
    the .xlsx writer stores as a real cell (the .csv writer turns it into plain text).
    """

    #: Format the whole .xlsx column as text, so Excel never turns it into a number.
    text_column: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        # A misspelt option must not pass silently: the sheet would parse with defaults.
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected arguments: {', '.join(sorted(kwargs))}"
            )
        super().__init__(coerce_to_string=False)

    def prepare(self, resource: SheetResource) -> None:
        """Build caches for one import or export (called once, before the rows)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if value is None or value == "" or (value.__class__ is str and value.isspace()):
            return None
        return self.parse(value)

    def parse(self, value: Any) -> Any:
        return value

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else value

    def template_choices(self) -> list[str] | None:
        """The drop-down list of a blank template's column (None: free input)."""
        return None

    #: Whether a value outside ``template_choices`` is refused by Excel (a fixed
    #: vocabulary) or only warned about (names that may also be typed as codes).
    strict_choices: ClassVar[bool] = True


class TextWidget(SheetWidget):
    """Free text: only the ends are stripped (a Chinese ， or （ stays as typed)."""

    def __init__(self, max_length: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def parse(self, value: Any) -> str:
        text = cell_text(value)
        if self.max_length and len(text) > self.max_length:
            MaxLengthValidator(self.max_length)(text)  # raises, with Django's own words
        return text


class ChoiceWidget(SheetWidget):
    """One of a model's ``TextChoices``, by its Chinese label (as the sheets write it),
    its label in the current language, or its code."""

    def __init__(
        self,
        choices: type[models.Choices],
        unknown_message: StrOrPromise | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.choices = choices
        self.unknown_message = unknown_message or gettext_lazy(
            "Unknown value %(value)s: choose one of %(choices)s."
        )
        self._lookup: dict[str, str] | None = None
        self._labels: dict[str, str] = {}
        self._memo: dict[Any, str] = {}

    def _build(self) -> dict[str, str]:
        lookup: dict[str, str] = {}
        with translation.override(SHEET_LANGUAGE):
            self._labels = {value: str(label) for value, label in self.choices.choices}
        with translation.override("en"):
            english = {value: str(label) for value, label in self.choices.choices}
        current = {value: str(label) for value, label in self.choices.choices}
        for source in (english, current, {v: v for v in self._labels}, self._labels):
            for value, label in source.items():
                lookup[normalize_text(label).casefold()] = value
        return lookup

    def labels(self) -> dict[str, str]:
        if self._lookup is None:
            self._lookup = self._build()
        return self._labels

    def parse(self, value: Any) -> str:
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        if self._lookup is None:
            self._lookup = self._build()
        try:
            code = self._lookup[normalize_text(cell_text(value)).casefold()]
        except KeyError:
            raise ValueError(
                self.unknown_message
                % {"value": cell_text(value), "choices": LIST_JOINER.join(self._labels.values())}
            )
        self._memo[value] = code
        return code

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value in (None, ""):
            return ""
        return self.labels().get(value, value)

    def template_choices(self) -> list[str]:
        return list(self.labels().values())


class DateWidget(SheetWidget):
    """2007-02-07, 2007/2/7, 2007.2.7, 2007年2月7日, 20070207 or a real Excel date cell."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._memo: dict[Any, datetime.date] = {}

    def parse(self, value: Any) -> datetime.date:
        # A register repeats its dates (registration days, birthdays): parse each once.
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        result = self._memo[value] = parse_date(value)
        return result

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return "" if value is None else value


class MoneyWidget(SheetWidget):
    """Yuan: 800, 800.00, 1,000, 1，000.50, 800元, ￥800; never negative (or zero if
    ``positive``) unless ``signed``. Exported as a plain decimal: 1000.50, never 1,000.50."""

    def __init__(self, positive: bool = False, signed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.positive, self.signed = positive, signed

    def parse(self, value: Any) -> Decimal:
        amount = parse_money(value)
        if self.signed:
            return amount
        if self.positive and amount <= 0:
            raise ValueError(_("The amount must be more than zero."))
        if amount < 0:
            raise ValueError(_("The amount cannot be negative."))
        return amount


class IntegerWidget(SheetWidget):
    def __init__(
        self, minimum: int | None = None, maximum: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, value: Any) -> int:
        number = parse_int(value)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(_("Must be at least %(minimum)d.") % {"minimum": self.minimum})
        if self.maximum is not None and number > self.maximum:
            raise ValueError(_("Must be at most %(maximum)d.") % {"maximum": self.maximum})
        return number


class BooleanWidget(SheetWidget):
    """是/否 (also Y/N, yes/no, 1/0, √/×); exported as 是/否."""

    def parse(self, value: Any) -> bool | None:
        return parse_bool_zh(value)

    def template_choices(self) -> list[str]:
        return ["是", "否"]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        with translation.override(SHEET_LANGUAGE):
            return "是" if value else "否"


_MOBILE = re.compile(r"1\d{10}", re.ASCII)
_LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})", re.ASCII)
_PHONE_NOISE = re.compile(r"[\s\-－—–()（）]")


class PhoneWidget(SheetWidget):
    """A mobile number (11 digits starting with 1) or a landline such as 0512-12345678.

    Stored canonical: mobiles as 11 digits, landlines as area code, hyphen, number.
    """

    text_column = True

    def parse(self, value: Any) -> str:
        if value.__class__ is str and _MOBILE.fullmatch(value):
            return value  # the usual case, already canonical
        text = normalize_text(cell_text(value))
        if text.startswith("(") or text.startswith("（"):
            text = text.replace(")", "-", 1).replace("）", "-", 1)
        compact = _PHONE_NOISE.sub("", text)
        if _MOBILE.fullmatch(compact):
            return compact
        match = _LANDLINE.fullmatch(text.replace(" ", "-").replace("--", "-"))
        if match is None and compact.isdigit() and compact.startswith("0"):
            area = 3 if compact[1] in "12" else 4  # 010, 02x are the 3-digit area codes
            match = _LANDLINE.fullmatch(f"{compact[:area]}-{compact[area:]}")
        if match:
            return f"{match[1]}-{match[2]}"
        raise ValueError(
            _(
                "Not a phone number: enter a mobile number of 11 digits "
                "or a landline such as 0512-12345678."
            )
        )


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget, SheetWidget):
    """A foreign key by name (or any of ``lookup_fields``), among the importer's rows only.

    The stock ``ForeignKeyWidget`` runs one query per row over *all* rows; this one
    loads the importer's scope once. A name outside the scope gets the same message as
    a name that does not exist.
    """

    def __init__(
        self,
        model: type[models.Model],
        lookup_fields: Sequence[str] = ("name",),
        unknown_message: StrOrPromise | None = None,
        extra_values: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        # ForeignKeyWidget.__init__ runs here (first in the MRO); it has no type
        # information, so mypy checks the call against SheetWidget.__init__ instead.
        super().__init__(model, field=lookup_fields[0], **kwargs)  # type: ignore[call-arg]
        self.coerce_to_string = False
        self.lookup_fields = lookup_fields
        self.extra_values = tuple(extra_values)  # more columns kept in ``rows``
        self.unknown_message = unknown_message or gettext_lazy(
            "Unknown, or outside your scope: %(value)s."
        )
        self.user: User | AnonymousUser | None = None
        self.by_key: dict[str, int] = {}
        self.rows: dict[int, dict[str, Any]] = {}
        self._memo: dict[Any, int] = {}

    def get_queryset(
        self, value: Any = None, row: Any = None, *args: Any, **kwargs: Any
    ) -> models.QuerySet[Any]:
        return self.model._default_manager.for_user(self.user)

    def prepare(self, resource: SheetResource) -> None:
        self.user = resource.user
        values = ("pk", *self.lookup_fields, *self.extra_values)
        self.rows = {row["pk"]: row for row in self.get_queryset().values(*values)}
        self.by_key = {}
        for pk, row in self.rows.items():
            for lookup in self.lookup_fields:
                if row[lookup]:
                    self.by_key.setdefault(normalize_text(row[lookup]).casefold(), pk)
        self._memo = {}

    def parse(self, value: Any) -> int:
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        pk = self.by_key.get(normalize_text(cell_text(value)).casefold())
        if pk is None:
            raise ValueError(self.unknown_message % {"value": cell_text(value)})
        self._memo[value] = pk
        return pk

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return SheetWidget.clean(self, value, row, **kwargs)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if isinstance(value, models.Model):
            return getattr(value, self.field)
        return "" if value is None else value

    strict_choices = False

    def template_choices(self) -> list[str]:
        return sorted({row[self.field] for row in self.rows.values() if row[self.field]})


class ScopedManyToManyWidget(widgets.ManyToManyWidget, SheetWidget):
    """Several related rows by name or code, in one cell separated by 、，,；; or spaces.

    Cleans to a sorted tuple of primary keys; exported as names joined with 、.
    """

    def __init__(
        self,
        model: type[models.Model],
        lookup_fields: Sequence[str] = ("name",),
        unknown_message: StrOrPromise | None = None,
        **kwargs: Any,
    ) -> None:
        # ManyToManyWidget.__init__ runs here (first in the MRO); it has no type
        # information, so mypy checks the call against SheetWidget.__init__ instead.
        super().__init__(  # type: ignore[call-arg]
            model, separator=LIST_JOINER, field=lookup_fields[0], **kwargs
        )
        self.coerce_to_string = False
        self.lookup_fields = lookup_fields
        self.unknown_message = unknown_message or gettext_lazy(
            "Unknown value %(value)s: choose from %(choices)s."
        )
        self.by_key: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self._memo: dict[Any, tuple[int, ...]] = {}

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def prepare(self, resource: SheetResource) -> None:
        rows = list(self.get_queryset().values_list("pk", *self.lookup_fields))
        self.names = {row[0]: row[1] for row in rows}
        self.by_key = {}
        for pk, *keys in rows:
            for key in keys:
                if key:
                    self.by_key.setdefault(normalize_text(key).casefold(), pk)
        self._memo = {}

    def parse(self, value: Any) -> tuple[int, ...]:
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        pks: set[int] = set()
        unknown: list[str] = []
        for part in split_list(cell_text(value)):
            pk = self.by_key.get(part.casefold())
            if pk is None:
                unknown.append(part)
            else:
                pks.add(pk)
        if unknown:
            raise ValueError(
                self.unknown_message
                % {
                    "value": LIST_JOINER.join(unknown),
                    "choices": LIST_JOINER.join(self.names.values()),
                }
            )
        result = tuple(sorted(pks))
        self._memo[value] = result
        return result

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return SheetWidget.clean(self, value, row, **kwargs)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        if hasattr(value, "all"):
            value = [getattr(related, self.field) for related in value.all()]
        return LIST_JOINER.join(value)
