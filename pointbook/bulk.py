"""`insert`: `bulk_create` for the rows an import or a purchase's posting builds by the thousand.

`bulk_create` prepares every value of every row through the query compiler (`pre_save`,
`get_db_prep_save`, an expression check per value) and builds each INSERT's text again; for the
plain integers, texts and dates of ledger rows that was about a third of an import's time. `insert`
plans each model once (its columns, how each column's values are converted, the statement per batch
size), converts only values that are not plain, and writes multi-row INSERTs with RETURNING of the
primary keys, as `bulk_create` does on SQLite and PostgreSQL (there, one array per column through
UNNEST, sent in binary). Rows come back saved: their `pk` set,
their foreign keys filled in from related rows saved meanwhile. No signals are sent, as with
`bulk_create`.

`new` builds those rows: the instance `Model(**values)` builds, without `Model.__init__`'s walk
over every field and its descriptors (a fifth of an import's time went to building five instances
per purchase).
"""

from __future__ import annotations

import datetime as dt
import inspect
from enum import Enum
from functools import cache
from operator import attrgetter

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import NOT_PROVIDED, DateField, DateTimeField, Field, JSONField, Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

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
    __slots__ = ("attname", "date", "field", "fixed", "json", "plain", "pre_save", "relation", "stamp")

    def __init__(self, field: Field) -> None:
        self.field = field
        self.attname = field.attname
        target = field.target_field if field.is_relation else field
        self.plain = target.get_internal_type() in _PLAIN_TYPES
        self.date = target.get_internal_type() == "DateField"
        self.json = isinstance(field, JSONField)
        # A field's pre_save is a getattr, but for auto_now(_add) dates and fields that override it.
        self.pre_save = type(field).pre_save not in _GETATTR_PRE_SAVE or (
            getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        )
        self.relation = field.is_relation
        # A creation time (auto_now_add, or auto_now) Django's own pre_save sets: `insert` stamps every row
        # of a statement with one time, converted once.
        self.stamp = type(field).pre_save is DateTimeField.pre_save and bool(field.auto_now or field.auto_now_add)
        # Values that may need a look before they are written (all but a plain column without choices,
        # whose values the drivers take as they are).
        self.fixed = self.pre_save or self.relation or not self.plain or bool(field.choices)


class _Plan:
    """How `insert` writes a model: its columns, one getter for all their values (a row's plain values
    are read in one C call), the columns whose values need a look (relations, dates, choices…), the
    INSERT up to VALUES, one row's placeholders, rows per statement, and the RETURNING clause; on
    PostgreSQL, the whole INSERT from one array per column."""

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
        self.fixed = [(i, c) for i, c in enumerate(self.columns) if c.fixed and not c.stamp]
        self.stamps = [(i, c) for i, c in enumerate(self.columns) if c.stamp]
        into = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        self.head = into + "VALUES "
        self.row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        self.per_batch = max(1, min(1000, (connection.features.max_query_params or 65535) // max(1, len(fields))))
        self.returning = f" RETURNING {quote(pk.column)}"
        # On PostgreSQL, one array per column (INSERT … SELECT * FROM UNNEST), as bulk_create does there:
        # the statement's text and its parameters are the same for any number of rows, so psycopg converts
        # it once and the server prepares it, where a VALUES list of thousands of placeholders was split
        # by psycopg and parsed and planned by the server at every statement. The arrays go in binary
        # (%b): psycopg's text form escapes every element with a regular expression.
        self.unnest = None
        if connection.vendor == "postgresql" and all(_unnestable(f, connection) for f in fields):
            arrays = ", ".join(f"(%b)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
            self.unnest = f"{into}SELECT * FROM UNNEST({arrays}){self.returning}"  # noqa: S608 — names from the model
            self.per_batch = 1000

    def params(self, obj: Model, connection, stamps: list[tuple[int, str, dt.datetime, object]]) -> tuple | list:
        """The row's values for the INSERT; `stamps`: (index, attname, time, the time converted) of the
        creation times, set on the row and written, as pre_save does."""
        for _i, attname, now, _converted in stamps:
            setattr(obj, attname, now)
        values = self.values(obj)
        if self.one:
            values = (values,)
        if not self.fixed and not stamps:
            return values
        values = list(values)
        for i, _attname, _now, converted in stamps:
            values[i] = converted
        for i, column in self.fixed:
            value = values[i]
            if column.pre_save or (value is None and column.relation):
                values[i] = _value(obj, column, value, connection)
            elif value is not None:
                values[i] = _convert(value, column, connection)
        return values


def _unnestable(field: Field, connection) -> bool:
    """Can the field's values be passed as one array (the conditions of PostgreSQL's bulk_create)?"""
    target = field.target_field if field.is_relation else field
    return not hasattr(field, "get_placeholder_sql") and target.get_internal_type() in connection.data_types


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
    elif column.json and type(value) in (dict, list):
        return connection.ops.adapt_json_value(value, field.encoder)  # what get_db_prep_save comes to
    return field.get_db_prep_save(value, connection)


class _Blank:
    """How `new` builds a model's instance: its fields' defaults (a default not made by a callable is
    one shared value, as `Field.get_default` shares it), the defaults made per instance, and for each
    keyword (a field's name or attname) the attribute it sets and, for a relation given by name, the
    related model, the related row's attribute its key is, and whether it is one-to-one. `simple` is
    False where `Model.__init__` does more than that (signal receivers, fields with descriptors of
    their own, composite relations): `new` then calls it."""

    def __init__(self, model: type[Model]) -> None:
        self.defaults: dict = {}
        self.made: list[tuple[str, Field]] = []
        self.keywords: dict[str, tuple[str, tuple | None]] = {}
        self.simple = not (pre_init.has_listeners(model) or post_init.has_listeners(model))
        for field in model._meta.concrete_fields:
            self.simple &= not field.generated and field.db_default is NOT_PROVIDED
            if field.has_default() and callable(field.default):
                self.made.append((field.attname, field))
            else:
                self.defaults[field.attname] = field.get_default()
            self.keywords[field.attname] = (field.attname, None)
            if field.is_relation:
                (_here, there), *more = field.related_fields
                related = field.remote_field.model._meta.concrete_model
                self.keywords[field.name] = (field.attname, (field, related, there.attname, field.one_to_one))
                descriptor = inspect.getattr_static(model, field.name)
                self.simple &= not more and isinstance(descriptor, ForwardManyToOneDescriptor)
            else:
                self.simple &= type(inspect.getattr_static(model, field.attname)) is DeferredAttribute


@cache
def _blank(model: type[Model]) -> _Blank:
    return _Blank(model)


def new(model: type[Model], /, **values) -> Model:
    """`model(**values)` for a row `insert` writes: the same instance (its fields, their defaults, and
    the related rows given, cached as the relations' descriptors cache them), built in a third of the
    time. Keywords are fields, by name or by attname; anything else goes to `model(**values)`."""
    blank = _blank(model)
    if not blank.simple or not values.keys() <= blank.keywords.keys():
        return model(**values)  # properties, unknown keywords (its TypeError), signals, own descriptors
    obj = model.__new__(model)
    obj._state = state = ModelState()
    attrs = obj.__dict__
    attrs.update(blank.defaults)
    for attname, field in blank.made:
        attrs[attname] = field.get_default()
    for name, value in values.items():
        attname, relation = blank.keywords[name]
        if relation is None:
            attrs[attname] = value
        elif value is None:
            attrs[attname] = None
            state.fields_cache[name] = None
        else:  # as the relation's descriptor sets it
            field, related, key, one_to_one = relation
            if not isinstance(value, related):
                setattr(obj, name, value)  # the descriptor's ValueError
            if router.routers:
                if state.db is None:
                    state.db = router.db_for_write(model, instance=value)
                if value._state.db is None:
                    value._state.db = router.db_for_write(type(value), instance=obj)
                if not router.allow_relation(value, obj):
                    setattr(obj, name, value)  # the descriptor's ValueError
            else:  # what the router does without routers of its own
                if state.db is None:
                    state.db = value._state.db or DEFAULT_DB_ALIAS
                if value._state.db is None:
                    value._state.db = state.db
                if value._state.db != state.db:
                    setattr(obj, name, value)  # the descriptor's ValueError
            attrs[attname] = getattr(value, key)
            state.fields_cache[name] = value
            if one_to_one:
                field.remote_field.set_cached_value(value, obj)
    return obj


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
            now = timezone.now() if plan.stamps else None
            stamps = [(i, c.attname, now, _convert(now, c, connection)) for i, c in plan.stamps]
            rows = [plan.params(obj, connection, stamps) for obj in chunk]
            if plan.unnest:
                cursor.execute(plan.unnest, [list(column) for column in zip(*rows, strict=True)])
            else:
                params = [value for row in rows for value in row]
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
