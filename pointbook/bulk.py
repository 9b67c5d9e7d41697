"""`insert`: `bulk_create` for the rows an import or a purchase's posting builds by the thousand.

`bulk_create` prepares every value of every row through the query compiler (`pre_save`,
`get_db_prep_save`, an expression check per value) and builds each INSERT's text again; for the
plain integers, texts and dates of ledger rows that was about a third of an import's time. `insert`
plans each model once (its columns, how each column's values are converted, the statement per batch
size), converts only values that are not plain, and writes multi-row INSERTs with RETURNING of the
primary keys, as `bulk_create` does on SQLite and PostgreSQL. Rows come back saved: their `pk` set,
their foreign keys filled in from related rows saved meanwhile. No signals are sent, as with
`bulk_create`.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from functools import cache
from operator import attrgetter

from django.db import connections, router
from django.db.models import NOT_PROVIDED, DateField, DateTimeField, Field, Model

# Columns whose values the database drivers take as they are, when they are of these types.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "SlugField",
        "BooleanField",
    }
)
_PLAIN_VALUES = (int, str, bool, type(None))
_GETATTR_PRE_SAVE = (Field.pre_save, DateField.pre_save, DateTimeField.pre_save)


class _Column:
    __slots__ = ("attname", "date", "field", "fixed", "plain", "pre_save", "relation")

    def __init__(self, field: Field) -> None:
        self.field = field
        self.attname = field.attname
        target = field.target_field if field.is_relation else field
        self.plain = target.get_internal_type() in _PLAIN_TYPES
        self.date = target.get_internal_type() == "DateField"
        # A field's pre_save is a getattr, but for auto_now(_add) dates and fields that override it.
        self.pre_save = type(field).pre_save not in _GETATTR_PRE_SAVE or (
            getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        )
        self.relation = field.is_relation
        # Values that may need a look before they are written (all but a plain column without choices,
        # whose values the drivers take as they are).
        self.fixed = self.pre_save or self.relation or not self.plain or bool(field.choices)


class _Plan:
    """How `insert` writes a model: its columns, one getter for all their values (a row's plain values
    are read in one C call), the columns whose values need a look (relations, dates, choices…), the
    INSERT up to VALUES, one row's placeholders, rows per statement, and the RETURNING clause."""

    def __init__(self, model: type[Model], alias: str) -> None:
        connection = connections[alias]
        connection.ensure_connection()  # SQLite reads its parameter limit from the open connection
        pk = model._meta.pk
        fields = [f for f in model._meta.concrete_fields if f is not pk and not f.generated]
        if any(f.db_default is not NOT_PROVIDED for f in fields):
            raise TypeError(f"insert() does not handle db_default ({model.__name__}); use bulk_create")
        quote = connection.ops.quote_name
        self.columns = [_Column(f) for f in fields]
        self.values = attrgetter(*(c.attname for c in self.columns))
        self.one = len(self.columns) == 1  # attrgetter of one name gives the value, not a tuple
        self.fixed = [(i, c) for i, c in enumerate(self.columns) if c.fixed]
        self.head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608 — names from the model
        self.row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        self.per_batch = max(1, min(1000, (connection.features.max_query_params or 65535) // max(1, len(fields))))
        self.returning = f" RETURNING {quote(pk.column)}"

    def params(self, obj: Model, connection) -> tuple | list:
        values = self.values(obj)
        if self.one:
            values = (values,)
        if not self.fixed:
            return values
        values = list(values)
        for i, column in self.fixed:
            value = values[i]
            if column.pre_save or (value is None and column.relation):
                values[i] = _value(obj, column, value, connection)
            elif value is not None:
                values[i] = _convert(value, column, connection)
        return values


@cache
def _plan(model: type[Model], alias: str) -> _Plan:
    return _Plan(model, alias)


def _value(obj: Model, column: _Column, value, connection):
    field = column.field
    if column.pre_save:
        value = field.pre_save(obj, True)
    if value is None and column.relation and field.is_cached(obj):
        # Built with a related row that was saved after it (a posting and its movement): as
        # Model.save() does, take the related row's key.
        related = field.get_cached_value(obj)
        if related is not None:
            if related.pk is None:
                raise ValueError(f"insert() of {type(obj).__name__}: its {field.name} is not saved yet")
            value = related.pk
            setattr(obj, column.attname, value)
    return _convert(value, column, connection)


def _convert(value, column: _Column, connection):
    field = column.field
    if value is None:
        return None  # NULL, in every column type
    if column.plain:
        if type(value) in _PLAIN_VALUES:
            return value
        if isinstance(value, Enum) and type(value.value) in _PLAIN_VALUES:
            return value.value  # a TextChoices or IntegerChoices member
    elif column.date and type(value) is dt.date:
        return connection.ops.adapt_datefield_value(value)
    return field.get_db_prep_save(value, connection)


def insert(model: type[Model], objs: list[Model]) -> None:
    """Insert new rows of `model` (primary keys not set) and set their primary keys."""
    if not objs:
        return
    if any(obj.pk is not None for obj in objs):
        model.objects.bulk_create(objs)
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    plan = _plan(model, alias)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), plan.per_batch):
            chunk = objs[start : start + plan.per_batch]
            params = [value for obj in chunk for value in plan.params(obj, connection)]
            cursor.execute(plan.head + ", ".join([plan.row] * len(chunk)) + plan.returning, params)
            keys = cursor.fetchall()
            if len(keys) != len(chunk):
                raise RuntimeError(f"insert() of {model.__name__}: {len(chunk)} rows, {len(keys)} keys back")
            for obj, (key,) in zip(chunk, keys, strict=True):
                obj.pk = key
                obj._state.adding = False
                obj._state.db = alias


def update(model: type[Model], objs: list[Model], fields: list[str]) -> None:
    """Write `fields` of saved rows, as `bulk_update` does (no pre_save, no signals), one UPDATE per
    row through executemany: the few lots a spend takes from, not a CASE over all of them."""
    if not objs:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = [_Column(model._meta.get_field(name)) for name in fields]
    assignments = ", ".join(f"{quote(c.field.column)} = %s" for c in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608 — names from the model
    rows = [[_convert(getattr(obj, c.attname), c, connection) for c in columns] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
