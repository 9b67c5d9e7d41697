"""Merchant lists as CSV: check a file, show what it would change, apply it all or nothing, export.

The file (docs/merchant-csv.md has the same with examples):

- encoding UTF-8, with or without BOM, or Shift_JIS (cp932, what Excel saves on a Japanese Windows);
- a header naming every column, in any order::

      name,name_en,category,aliases,issuer,treatment,cards,points,per_yen,valid_from,valid_to,list_date

- one row = one merchant, and optionally its treatment by one issuer:

  ``name``        the merchant, and its key: a merchant of that name is updated, otherwise one is created;
  ``name_en``     English / romaji name (may be empty);
  ``category``    a category value: ``gas``, ``electricity``, ``national_tax``… (``MerchantCategory``);
  ``aliases``     ``|``-separated, the complete list: an alias the row does not list is removed;
  ``issuer``      issuer slug (``amex``);
  ``treatment``   ``full``, ``half``, ``excluded`` or ``bonus``;
  ``cards``       ``|``-separated payment-method slugs of that issuer; empty = every card of the issuer;
  ``points``, ``per_yen``   whole numbers, the rate ("3 points per 100 yen"); required for ``bonus``;
  ``valid_from``, ``valid_to``, ``list_date``   dates, ``YYYY-MM-DD`` (Excel's ``YYYY/M/D`` is accepted);
                  ``valid_to`` empty = still valid; ``list_date`` is the date of the issuer's list (…時点).

  The treatment columns are all empty (the row says nothing about treatments), or ``issuer``,
  ``treatment``, ``valid_from`` and ``list_date`` are all given.

A treatment is history and the import never rewrites it. The row is compared with the merchant's
treatments by the same issuer that are valid on the row's ``valid_from``:

- one has the same treatment, cards, points and per_yen: nothing new is added; a different
  ``valid_to`` or ``list_date`` is written onto that row (giving ``valid_to`` is how a treatment ends);
- otherwise each of them is closed the day before ``valid_from`` and a new dated row is added, so a
  payment made before the change is still judged by the old treatment. A different treatment that
  already starts on that same day, or a later one the new row would overlap, is an error: that is an
  edit of history, done in the admin.

Merchants the file does not mention are left alone; so are other issuers' treatments, a
treatment's rounding, add-on, source and note (edited in the admin). The CSV holds one treatment
per merchant: a merchant with several at once is exported with the first (by issuer) only.

A file with any error changes nothing: `parse` reports every error with its line number, and
`apply` refuses a preview that has errors. `export` writes the same format, so exporting and
importing the file again reports no changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Issuer, Merchant, MerchantAlias, MerchantCategory, MerchantTreatment, PaymentMethod

COLUMNS = (
    "name",
    "name_en",
    "category",
    "aliases",
    "issuer",
    "treatment",
    "cards",
    "points",
    "per_yen",
    "valid_from",
    "valid_to",
    "list_date",
)
TREATMENT_COLUMNS = COLUMNS[4:]
SEPARATOR = "|"
# Tried in this order: UTF-8 almost never decodes a Shift_JIS file by accident, the reverse often does.
ENCODINGS = ("utf-8-sig", "cp932")
DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")

Treatment = MerchantTreatment.Treatment


class Kind(models.TextChoices):
    CREATE_MERCHANT = "create_merchant", gettext_lazy("create merchant")
    UPDATE_MERCHANT = "update_merchant", gettext_lazy("change merchant")
    ADD_TREATMENT = "add_treatment", gettext_lazy("add treatment")
    CLOSE_TREATMENT = "close_treatment", gettext_lazy("close treatment")
    CHANGE_TREATMENT = "change_treatment", gettext_lazy("change treatment dates")


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


@dataclass(frozen=True)
class Action:
    """One thing `apply` will do, as the preview lists it."""

    line: int
    kind: Kind
    merchant: str
    detail: str

    @property
    def label(self) -> str:
        return str(self.kind.label)


@dataclass(frozen=True)
class TreatmentRow:
    issuer: Issuer
    treatment: str
    cards: tuple[PaymentMethod, ...]
    points: int | None
    per_yen: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    list_date: dt.date

    def rate(self) -> tuple:
        return (self.treatment, frozenset(card.slug for card in self.cards), self.points, self.per_yen)


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    name_en: str
    category: str
    aliases: tuple[str, ...]
    treatment: TreatmentRow | None


@dataclass
class MerchantPlan:
    """What importing one row does to its merchant; empty when the catalog already matches the row."""

    row: Row
    merchant: Merchant | None
    changed_fields: list[str] = field(default_factory=list)
    aliases_added: list[str] = field(default_factory=list)
    aliases_removed: list[MerchantAlias] = field(default_factory=list)
    closed: list[tuple[MerchantTreatment, dt.date]] = field(default_factory=list)
    redated: tuple[MerchantTreatment, dict[str, dt.date | None]] | None = None
    added: TreatmentRow | None = None

    @property
    def creates(self) -> bool:
        return self.merchant is None

    @property
    def redate_kind(self) -> Kind:
        """Giving an end date closes the treatment; any other date change (list date, reopening) changes it."""
        return Kind.CLOSE_TREATMENT if self.redated and self.redated[1].get("valid_to") else Kind.CHANGE_TREATMENT

    @property
    def has_changes(self) -> bool:
        return bool(
            self.creates
            or self.changed_fields
            or self.aliases_added
            or self.aliases_removed
            or self.closed
            or self.redated
            or self.added
        )

    def facts(self) -> tuple:
        """The plan as plain values, independent of the language it is shown in."""
        return (
            self.row.line,
            self.row.name,
            self.merchant.pk if self.merchant else None,
            tuple((name, getattr(self.row, name)) for name in self.changed_fields),
            tuple(self.aliases_added),
            tuple(alias.alias for alias in self.aliases_removed),
            tuple((t.pk, day) for t, day in self.closed),
            (self.redated[0].pk, tuple(sorted(self.redated[1].items()))) if self.redated else None,
            _treatment_facts(self.added) if self.added else None,
        )

    def actions(self) -> list[Action]:
        row, actions = self.row, []

        def act(kind: Kind, detail: str) -> None:
            actions.append(Action(row.line, kind, row.name, detail))

        if self.creates:
            act(Kind.CREATE_MERCHANT, "; ".join(self._field_changes()))
        elif self.changed_fields or self.aliases_added or self.aliases_removed:
            act(Kind.UPDATE_MERCHANT, "; ".join(self._field_changes()))
        for old, last_day in self.closed:
            act(
                Kind.CLOSE_TREATMENT,
                _("%(treatment)s: last day %(day)s") % {"treatment": _describe(old), "day": last_day},
            )
        if self.redated:
            old, changes = self.redated
            dates = "; ".join(_date_change(old, name, new) for name, new in changes.items())
            act(self.redate_kind, f"{_describe(old)}: {dates}")
        if self.added:
            act(Kind.ADD_TREATMENT, _describe(self.added))
        return actions

    def log_message(self) -> str:
        return _("CSV import: %(changes)s") % {"changes": "; ".join(action.detail for action in self.actions())}

    def _field_changes(self) -> list[str]:
        row, parts = self.row, []
        if self.creates:
            parts.append(f"{_label('category')}: {MerchantCategory(row.category).label}")
            if row.name_en:
                parts.append(f"{_label('name_en')}: {row.name_en}")
            if row.aliases:
                parts.append(f"{MerchantAlias._meta.verbose_name_plural}: {', '.join(row.aliases)}")
            return parts
        for name in self.changed_fields:
            old, new = getattr(self.merchant, name), getattr(row, name)
            if name == "category":
                old, new = MerchantCategory(old).label, MerchantCategory(new).label
            parts.append(f"{_label(name)}: “{old}” → “{new}”")
        if self.aliases_added:
            parts.append(_("aliases added: %(aliases)s") % {"aliases": ", ".join(self.aliases_added)})
        if self.aliases_removed:
            removed = ", ".join(alias.alias for alias in self.aliases_removed)
            parts.append(_("aliases removed: %(aliases)s") % {"aliases": removed})
        return parts


@dataclass
class Preview:
    plans: list[MerchantPlan] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def changes(self) -> list[MerchantPlan]:
        return [plan for plan in self.plans if plan.has_changes]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def unchanged(self) -> int:
        return len(self.plans) - len(self.changes)

    @property
    def actions(self) -> list[Action]:
        return [action for plan in self.changes for action in plan.actions()]

    def fingerprint(self) -> str:
        """Identifies what applying would do, so an apply can check it is doing what was previewed."""
        facts = repr([plan.facts() for plan in self.changes])
        return hashlib.sha256(facts.encode()).hexdigest()


def parse(file_bytes: bytes) -> Preview:
    """Check a merchant-list file against the catalog and plan what importing it would do."""
    preview = Preview()
    text = _decode(file_bytes, preview.errors)
    if text is None:
        return preview
    records = _records(text, preview.errors)
    if records is None:
        return preview
    if not records:
        return Preview(errors=[LineError(1, _("the file is empty"))])
    header_line, header = records[0]
    columns = _check_header([name.lower() for name in header], header_line, preview.errors)
    if columns is None:
        return preview

    references = _References.load(records[1:], columns)
    rows: list[Row] = []
    first_line: dict[str, int] = {}
    for line, values in records[1:]:
        if len(values) != len(columns):
            preview.errors.append(
                LineError(
                    line,
                    _("expected %(expected)s fields as in the header, found %(found)s")
                    % {"expected": len(columns), "found": len(values)},
                )
            )
            continue
        cells = dict(zip(columns, values, strict=True))
        if cells["name"] in first_line:
            preview.errors.append(
                LineError(
                    line,
                    _("duplicate merchant name “%(name)s” (first on line %(first)s)")
                    % {"name": cells["name"], "first": first_line[cells["name"]]},
                )
            )
            continue
        first_line[cells["name"]] = line
        row = _read_row(line, cells, references, preview.errors)
        if row is not None:
            rows.append(row)
    _check_aliases(rows, references, preview.errors)
    if preview.errors:
        preview.errors.sort(key=lambda error: error.line)
        return preview

    for row in rows:
        preview.plans.append(_plan(row, references, preview.errors))
    preview.errors.sort(key=lambda error: error.line)
    return preview


@dataclass(frozen=True)
class ApplyResult:
    merchants_created: int
    merchants_changed: int
    treatments_added: int
    treatments_closed: int
    treatments_changed: int


def apply(preview: Preview, user) -> ApplyResult:
    """Carry out a checked preview in one transaction, logging each merchant it creates or changes."""
    if preview.errors:
        raise ValidationError(_("The file has errors; nothing was changed."))
    counts: Counter[str] = Counter()
    with transaction.atomic():
        # Aliases are unique: free every removed alias before adding any, so one file can move an
        # alias from one merchant to another.
        removed = [alias.pk for plan in preview.changes for alias in plan.aliases_removed]
        MerchantAlias.objects.filter(pk__in=removed).delete()
        for plan in preview.changes:
            message = plan.log_message()  # before applying: it names the old values
            merchant = _apply_plan(plan, counts)
            LogEntry.objects.log_actions(
                user_id=user.pk,
                queryset=[merchant],
                action_flag=ADDITION if plan.creates else CHANGE,
                change_message=message,
            )
    return ApplyResult(
        merchants_created=counts["created"],
        merchants_changed=counts["changed"],
        treatments_added=counts["added"],
        treatments_closed=counts["closed"],
        treatments_changed=counts["redated"],
    )


def export(queryset: QuerySet[Merchant]) -> str:
    """The merchants as a merchant-list file, each with its treatment valid today (the first by issuer)."""
    merchants = queryset.order_by("name").prefetch_related(
        "aliases",
        Prefetch("treatments", queryset=_current_treatments().prefetch_related("cards"), to_attr="current"),
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for merchant in merchants:
        aliases = SEPARATOR.join(sorted(alias.alias for alias in merchant.aliases.all()))
        treatment = merchant.current[0] if merchant.current else None
        writer.writerow([merchant.name, merchant.name_en, merchant.category, aliases, *_treatment_cells(treatment)])
    return out.getvalue()


def with_several_treatments(queryset: QuerySet[Merchant]) -> list[str]:
    """Names of the merchants with more than one treatment valid today: the export carries only one."""
    current = Q(treatments__in=_current_treatments())
    return list(
        queryset.annotate(current=Count("treatments", filter=current))
        .filter(current__gt=1)
        .order_by("name")
        .values_list("name", flat=True)
    )


def _current_treatments() -> QuerySet[MerchantTreatment]:
    return (
        MerchantTreatment.objects.valid_on(timezone.localdate())
        .filter(merchant__isnull=False)
        .select_related("issuer")
        .order_by("issuer__slug", "valid_from", "pk")
    )


def _treatment_cells(treatment: MerchantTreatment | None) -> list[str]:
    if treatment is None:
        return [""] * len(TREATMENT_COLUMNS)
    return [
        treatment.issuer.slug,
        treatment.treatment,
        SEPARATOR.join(sorted(card.slug for card in treatment.cards.all())),
        _cell(treatment.points),
        _cell(treatment.per_yen),
        treatment.valid_from.isoformat(),
        treatment.valid_to.isoformat() if treatment.valid_to else "",
        treatment.list_date.isoformat(),
    ]


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def _decode(file_bytes: bytes, errors: list[LineError]) -> str | None:
    failures = []
    for encoding in ENCODINGS:
        try:
            return file_bytes.decode(encoding)
        except UnicodeDecodeError as error:
            failures.append(error.start)
    # The encoding that read further is most likely the one meant; report where it stopped.
    line = file_bytes[: max(failures)].count(b"\n") + 1
    errors.append(LineError(line, _("the file is neither UTF-8 nor Shift_JIS (cp932): unreadable bytes on this line")))
    return None


def _records(text: str, errors: list[LineError]) -> list[tuple[int, list[str]]] | None:
    """Each record with the line it starts on (a quoted value may span lines); blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records, last_line = [], 0
    try:
        for values in reader:
            start, last_line = last_line + 1, reader.line_num
            if any(value.strip() for value in values):
                records.append((start, [value.strip() for value in values]))
    except csv.Error as error:
        errors.append(LineError(reader.line_num, _("not a readable CSV file: %(error)s") % {"error": error}))
        return None
    return records


def _check_header(header: list[str], line: int, errors: list[LineError]) -> list[str] | None:
    found = Counter(header)
    missing = [name for name in COLUMNS if name not in found]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = [name for name, count in found.items() if count > 1 and name in COLUMNS]
    if missing:
        errors.append(LineError(line, _("missing column(s): %(columns)s") % {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(LineError(line, _("unknown column(s): %(columns)s") % {"columns": ", ".join(unknown)}))
    if repeated:
        errors.append(LineError(line, _("repeated column(s): %(columns)s") % {"columns": ", ".join(repeated)}))
    return None if missing or unknown or repeated else header


@dataclass
class _References:
    """The catalog rows a file refers to, read in a fixed number of queries however long the file."""

    issuers: dict[str, Issuer]
    cards: dict[str, PaymentMethod]
    merchants: dict[str, Merchant]
    alias_owners: dict[str, Merchant]

    @classmethod
    def load(cls, records: list[tuple[int, list[str]]], columns: list[str]) -> _References:
        names, aliases = set(), set()
        for _line, values in records:
            if len(values) == len(columns):
                cells = dict(zip(columns, values, strict=True))
                names.add(cells["name"])
                aliases.update(_split(cells["aliases"]))
        treatments = MerchantTreatment.objects.select_related("issuer").prefetch_related("cards")
        merchants = Merchant.objects.filter(name__in=names).prefetch_related(
            "aliases", Prefetch("treatments", queryset=treatments.order_by("valid_from", "pk"))
        )
        owned = MerchantAlias.objects.filter(alias__in=aliases | names).select_related("merchant")
        return cls(
            issuers={issuer.slug: issuer for issuer in Issuer.objects.all()},
            cards={card.slug: card for card in PaymentMethod.objects.all()},
            merchants={merchant.name: merchant for merchant in merchants},
            alias_owners={alias.alias: alias.merchant for alias in owned},
        )


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def _read_row(line: int, cells: dict[str, str], refs: _References, errors: list[LineError]) -> Row | None:
    """The row's values checked one by one; None (with the errors recorded) when any is wrong."""
    errors_before = len(errors)

    def error(message: str) -> None:
        errors.append(LineError(line, message))

    name, category = cells["name"], cells["category"]
    if not name:
        error(_("name is empty"))
    for column in ("name", "name_en"):
        limit = Merchant._meta.get_field(column).max_length
        if len(cells[column]) > limit:
            error(_("%(column)s is longer than %(limit)s characters") % {"column": column, "limit": limit})
    if not category:
        error(_("category is empty"))
    elif category not in MerchantCategory.values:
        error(
            _("unknown category “%(category)s” (one of: %(choices)s)")
            % {"category": category, "choices": ", ".join(MerchantCategory.values)}
        )
    aliases = _split(cells["aliases"])
    for alias in aliases:
        if len(alias) > MerchantAlias._meta.get_field("alias").max_length:
            error(_("alias “%(alias)s” is too long") % {"alias": alias})
    for alias, count_in_row in Counter(aliases).items():
        if count_in_row > 1:
            error(_("alias “%(alias)s” is listed twice") % {"alias": alias})

    treatment = _read_treatment(cells, refs, error)
    if len(errors) > errors_before:
        return None
    return Row(line, name, cells["name_en"], category, tuple(sorted(set(aliases))), treatment)


def _read_treatment(cells: dict[str, str], refs: _References, error) -> TreatmentRow | None:
    if not any(cells[column] for column in TREATMENT_COLUMNS):
        return None
    for column in ("issuer", "treatment", "valid_from", "list_date"):
        if not cells[column]:
            error(
                _("%(column)s is empty; a treatment needs issuer, treatment, valid_from and list_date")
                % {"column": column}
            )

    issuer = refs.issuers.get(cells["issuer"])
    if cells["issuer"] and issuer is None:
        error(_("unknown issuer “%(issuer)s”") % {"issuer": cells["issuer"]})
    if cells["treatment"] and cells["treatment"] not in Treatment.values:
        error(
            _("unknown treatment “%(treatment)s” (one of: %(choices)s)")
            % {"treatment": cells["treatment"], "choices": ", ".join(Treatment.values)}
        )
    cards = []
    for slug in sorted(set(_split(cells["cards"]))):
        card = refs.cards.get(slug)
        if card is None:
            error(_("unknown card “%(card)s”") % {"card": slug})
        elif issuer is not None and card.issuer_id != issuer.pk:
            error(_("card “%(card)s” is not issued by %(issuer)s") % {"card": slug, "issuer": issuer.slug})
        else:
            cards.append(card)
    points, per_yen = _whole_number(cells, "points", error), _whole_number(cells, "per_yen", error)
    if per_yen == 0:
        error(_("per_yen must be at least 1"))
    if cells["treatment"] == Treatment.BONUS and (not cells["points"] or not cells["per_yen"]):
        error(_("a bonus treatment needs points and per_yen"))
    valid_from, valid_to, list_date = (
        _date(cells, column, error) for column in ("valid_from", "valid_to", "list_date")
    )
    if valid_from and valid_to and valid_to < valid_from:
        error(_("valid_to %(to)s is before valid_from %(from)s") % {"to": valid_to, "from": valid_from})
    if issuer is None or cells["treatment"] not in Treatment.values or not valid_from or not list_date:
        return None
    return TreatmentRow(issuer, cells["treatment"], tuple(cards), points, per_yen, valid_from, valid_to, list_date)


def _whole_number(cells: dict[str, str], column: str, error) -> int | None:
    value = cells[column]
    if not value:
        return None
    if not value.isdecimal():
        error(_("%(column)s “%(value)s” is not a whole number") % {"column": column, "value": value})
        return None
    return int(value)


def _date(cells: dict[str, str], column: str, error) -> dt.date | None:
    value = cells[column]
    if not value:
        return None
    if match := DATE.match(value):
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    error(_("bad date “%(value)s” in %(column)s (use YYYY-MM-DD)") % {"value": value, "column": column})
    return None


def _check_aliases(rows: list[Row], refs: _References, errors: list[LineError]) -> None:
    """Aliases that would end up with two merchants, and new merchants named like another's alias."""
    # Who holds each alias once the file is applied: the file's rows for the merchants it lists,
    # the catalog for every other merchant.
    in_file = {row.name for row in rows}
    claimed: dict[str, Row] = {}
    for row in rows:
        for alias in row.aliases:
            if alias in claimed and claimed[alias].name != row.name:
                errors.append(
                    LineError(
                        row.line,
                        _("alias “%(alias)s” is also given to “%(other)s” on line %(first)s")
                        % {"alias": alias, "other": claimed[alias].name, "first": claimed[alias].line},
                    )
                )
            claimed.setdefault(alias, row)
            owner = refs.alias_owners.get(alias)
            if owner is not None and owner.name != row.name and owner.name not in in_file:
                errors.append(
                    LineError(
                        row.line,
                        _("alias “%(alias)s” already belongs to “%(other)s”") % {"alias": alias, "other": owner.name},
                    )
                )
    for row in rows:
        owner = refs.alias_owners.get(row.name)
        if row.name not in refs.merchants and owner is not None and owner.name not in in_file:
            errors.append(
                LineError(
                    row.line,
                    _("“%(name)s” is an alias of “%(other)s”; use that name to update it")
                    % {"name": row.name, "other": owner.name},
                )
            )


def _plan(row: Row, refs: _References, errors: list[LineError]) -> MerchantPlan:
    merchant = refs.merchants.get(row.name)
    plan = MerchantPlan(row=row, merchant=merchant)
    if merchant is not None:
        plan.changed_fields = [
            name for name in ("name_en", "category") if getattr(merchant, name) != getattr(row, name)
        ]
        current = {alias.alias: alias for alias in merchant.aliases.all()}
        plan.aliases_added = [alias for alias in row.aliases if alias not in current]
        plan.aliases_removed = [alias for name, alias in sorted(current.items()) if name not in row.aliases]
    else:
        plan.aliases_added = list(row.aliases)
    if row.treatment is not None:
        existing = [t for t in merchant.treatments.all() if t.issuer_id == row.treatment.issuer.pk] if merchant else []
        _plan_treatment(plan, row.treatment, existing, errors)
    return plan


def _plan_treatment(
    plan: MerchantPlan, new: TreatmentRow, existing: list[MerchantTreatment], errors: list[LineError]
) -> None:
    line, start = plan.row.line, new.valid_from
    valid_then = [t for t in existing if t.is_valid_on(start)]
    same = next((t for t in valid_then if _rate(t) == new.rate()), None)
    if same is not None:
        changes = {
            name: getattr(new, name) for name in ("valid_to", "list_date") if getattr(same, name) != getattr(new, name)
        }
        if changes:
            plan.redated = (same, changes)
        if "valid_to" in changes:
            _check_no_overlap(line, same.valid_from, new.valid_to, existing, errors)
        return
    for old in valid_then:
        if old.valid_from == start:
            errors.append(
                LineError(
                    line,
                    _("%(treatment)s already starts on %(day)s; a different treatment must start later")
                    % {"treatment": _describe(old), "day": start},
                )
            )
            return
    plan.closed = [(old, start - dt.timedelta(days=1)) for old in valid_then]
    plan.added = new
    _check_no_overlap(line, start, new.valid_to, existing, errors)


def _check_no_overlap(
    line: int, start: dt.date, end: dt.date | None, existing: Iterable[MerchantTreatment], errors: list[LineError]
) -> None:
    for later in existing:
        if later.valid_from > start and (end is None or end >= later.valid_from):
            errors.append(
                LineError(
                    line,
                    _("the treatment would overlap %(treatment)s, which starts on %(day)s")
                    % {"treatment": _describe(later), "day": later.valid_from},
                )
            )


def _rate(treatment: MerchantTreatment) -> tuple:
    cards = frozenset(card.slug for card in treatment.cards.all())
    return (treatment.treatment, cards, treatment.points, treatment.per_yen)


def _treatment_facts(treatment: TreatmentRow) -> tuple:
    return (
        treatment.issuer.slug,
        treatment.treatment,
        tuple(sorted(card.slug for card in treatment.cards)),
        treatment.points,
        treatment.per_yen,
        treatment.valid_from,
        treatment.valid_to,
        treatment.list_date,
    )


def _describe(treatment: MerchantTreatment | TreatmentRow) -> str:
    cards = treatment.cards if isinstance(treatment, TreatmentRow) else treatment.cards.all()
    parts = [f"{treatment.issuer.name} {Treatment(treatment.treatment).label}"]
    if treatment.points is not None and treatment.per_yen:
        parts.append(
            _("%(points)s points per %(per_yen)s yen") % {"points": treatment.points, "per_yen": treatment.per_yen}
        )
    parts.append(", ".join(card.name for card in cards) or _("every card"))
    if treatment.valid_to is None:
        parts.append(_("from %(from)s") % {"from": treatment.valid_from})
    else:
        parts.append(_("%(from)s to %(to)s") % {"from": treatment.valid_from, "to": treatment.valid_to})
    parts.append(_("listed %(day)s") % {"day": treatment.list_date})
    return " · ".join(parts)


def _date_change(treatment: MerchantTreatment, name: str, new: dt.date | None) -> str:
    old = getattr(treatment, name)
    return f"{_label(name)}: {old or '—'} → {new or '—'}"


def _label(name: str) -> str:
    model = Merchant if name in ("name_en", "category") else MerchantTreatment
    return str(model._meta.get_field(name).verbose_name)


def _apply_plan(plan: MerchantPlan, counts: Counter[str]) -> Merchant:
    row = plan.row
    merchant = plan.merchant or Merchant(name=row.name)
    if plan.creates or plan.changed_fields:
        merchant.name_en, merchant.category = row.name_en, row.category
        merchant.save()
        counts["created" if plan.creates else "changed"] += 1
    elif plan.aliases_added or plan.aliases_removed:
        counts["changed"] += 1
    MerchantAlias.objects.bulk_create([MerchantAlias(merchant=merchant, alias=alias) for alias in plan.aliases_added])
    for old, last_day in plan.closed:
        old.valid_to = last_day
        old.save(update_fields=["valid_to"])
        counts["closed"] += 1
    if plan.redated:
        old, changes = plan.redated
        counts["closed" if plan.redate_kind == Kind.CLOSE_TREATMENT else "redated"] += 1
        for name, value in changes.items():
            setattr(old, name, value)
        old.save(update_fields=list(changes))
    if plan.added:
        new = plan.added
        treatment = MerchantTreatment.objects.create(
            merchant=merchant,
            issuer=new.issuer,
            treatment=new.treatment,
            points=new.points,
            per_yen=new.per_yen,
            valid_from=new.valid_from,
            valid_to=new.valid_to,
            list_date=new.list_date,
        )
        treatment.cards.set(new.cards)
        counts["added"] += 1
    return merchant
