"""Queries of the busiest pages, built and compiled by the ORM once per process instead of once per request.

Building a queryset and compiling it to SQL costs Django about a millisecond of CPU for a query with a few joins
and subqueries, several times what PostgreSQL takes to run it (docs/performance.md, "The signed-in request's one
query" and "The call page's one query"). A `CompiledQuery` is made from a function that builds the queryset; the
values that change from request to request (a user's id, an object's key) are given to it as marks: integers no
row can hold, which the compiled statement carries as parameters. Each run puts the request's values in the marks'
places and sends the same statement, so PostgreSQL's prepared statement (`DB_PREPARE_THRESHOLD`) is reused too.

What comes back is what the ORM would have made of the rows: the database's values converted to Python's, model
instances with their `select_related` objects and annotations (`instances`), or dicts (`rows`, for a `values()`
queryset). Only integer values can be marks; a value whose presence changes the SQL (None, a list for `__in`) cannot:
write the query with a subquery instead (`Exists(Membership.objects.filter(user_id=mark, ...))`), or keep one
`CompiledQuery` per shape.
"""

from collections.abc import Callable
from itertools import count

from django.db import connections, router
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.query import get_related_populators

_next_mark = count(-(2**62) + 101, 2)


def mark() -> int:
    """A stand-in value for a parameter: a negative integer far outside any key, different on each call."""
    return next(_next_mark)


class _Compiled:
    def __init__(self, queryset: QuerySet, alias: str, marks: dict[str, int]):
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        self.sql, self.params = sql, list(params)
        by_value = {value: name for name, value in marks.items()}
        # A mark may come back wrapped (psycopg's Int4 for a `Value` in a CASE, say): the value put in its place is
        # wrapped the same way.
        self.places = [
            (position, by_value[param], type(param))
            for position, param in enumerate(self.params)
            if isinstance(param, int) and not isinstance(param, bool) and param in by_value
        ]
        missing = set(marks) - {name for _position, name, _kind in self.places}
        if missing:
            raise ValueError(f"the query does not use the marks {sorted(missing)}")
        self.compiler = compiler
        self.alias = alias
        self.model = queryset.model
        self.fetch_mode = queryset._fetch_mode
        self.is_values = queryset._fields is not None
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        # A values() row's names, in the order of its columns (as ValuesIterable names them).
        query = queryset.query
        if query.selected:
            self.columns = list(query.selected)
        else:
            self.columns = [*query.extra_select, *query.values_select, *query.annotation_select]

    def fetch(self, values: dict[str, int]) -> list:
        params = list(self.params)
        for position, name, kind in self.places:
            params[position] = kind(values[name])
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters and rows:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


class CompiledQuery:
    """A queryset made by `build(**marks)`, compiled once per database alias (`build` is called with the marks,
    never with a request's values). `instances(**values)` / `rows(**values)` run it with `values` (one integer
    per mark) in the marks' places."""

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self._build = build
        self._marks = {name: mark() for name in names}
        self._compiled: dict[str, _Compiled] = {}
        self._default_alias: str | None = None

    def _for(self, alias: str | None) -> _Compiled:
        if alias is None:
            if self._default_alias is None:
                self._default_alias = router.db_for_read(self._build(**self._marks).model)
            alias = self._default_alias
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = _Compiled(self._build(**self._marks), alias, self._marks)
        return compiled

    def _values(self, values: dict) -> dict[str, int]:
        if set(values) != set(self._marks):
            raise TypeError(f"expected the values {sorted(self._marks)}, got {sorted(values)}")
        return {name: int(value) for name, value in values.items()}

    def rows(self, *, using: str | None = None, **values) -> list[dict]:
        """The rows of a `values()` queryset, as dicts with the ORM's Python values."""
        compiled = self._for(using)
        if not compiled.is_values:
            raise TypeError("a model queryset gives instances, not rows")
        columns = compiled.columns
        return [dict(zip(columns, row, strict=True)) for row in compiled.fetch(self._values(values))]

    def instances(self, *, using: str | None = None, **values) -> list:
        """Model instances as the queryset would give them: `select_related` objects and annotations set."""
        compiled = self._for(using)
        if compiled.is_values:
            raise TypeError("a values() queryset gives rows, not instances")
        rows = compiled.fetch(self._values(values))
        compiler = compiled.compiler
        select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, compiled.alias, compiled.fetch_mode)
        found = []
        for row in rows:
            obj = compiled.model.from_db(compiled.alias, init_list, row[start:end], fetch_mode=compiled.fetch_mode)
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotation_col_map or {}).items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found


def count_of_outer(queryset: QuerySet, field: str):
    """A scalar subquery counting the rows of `queryset` whose `field` is the outer row (cheaper than a join with
    GROUP BY, and a fixed shape for a compiled query): 0 when there are none."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(value=Count("pk")).values("value")
    )
    return Coalesce(Subquery(counted), 0)
