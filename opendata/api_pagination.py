"""Cursor (keyset) pagination for the read API.

A list is read in a total order (its last key is the id); a page is the first `limit` rows after the last row of
the page before, found by a condition on the ordering's values, not by an offset: a page costs the same however
far in the list it is, and rows added or removed meanwhile neither repeat nor skip the rows after it. The cursor
carries those values and a digest of the filters, signed (django.core.signing) so that it is opaque to clients
and cannot be forged; a malformed one, or one made for other filters or another order, is refused (400).
"""

import json
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256

from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Q, QuerySet

SALT = "opendata.api.cursor"


class InvalidCursor(Exception):
    pass


@dataclass(frozen=True)
class Key:
    """One column of a list's order. Nulls sort as PostgreSQL sorts them by default, as if above every value (last
    going up, first going down), on SQLite too; so the catalogue's index `need_catalogue_order` serves the order."""

    field: str
    descending: bool = False

    def expression(self):
        column = F(self.field)
        return column.desc(nulls_first=True) if self.descending else column.asc(nulls_last=True)

    def after(self, value) -> Q:
        """Rows that come after `value` in this column."""
        if self.descending:
            if value is None:
                return Q(**{f"{self.field}__isnull": False})
            return Q(**{f"{self.field}__lt": value})
        if value is None:
            return Q(pk__in=[])
        return Q(**{f"{self.field}__gt": value}) | Q(**{f"{self.field}__isnull": True})

    def equal(self, value) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})


def digest(filters: dict) -> str:
    """What a cursor is valid for: the filters and the order, not the page size."""
    return sha256(json.dumps(filters, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()[:16]


class _Encoder(DjangoJSONEncoder):
    """ISO 8601 with the microseconds (DjangoJSONEncoder keeps milliseconds: the row itself would be after its own
    cursor)."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


class _Serializer:
    """signing's JSON serializer, with dates and times (ISO 8601, read back by the lookups)."""

    def dumps(self, obj) -> bytes:
        return json.dumps(obj, separators=(",", ":"), cls=_Encoder).encode("latin-1")

    def loads(self, data: bytes):
        return json.loads(data.decode("latin-1"))


def encode(values: list, scope: str) -> str:
    return signing.dumps({"k": scope, "v": values}, salt=SALT, serializer=_Serializer, compress=True)


def decode(cursor: str, scope: str) -> list:
    try:
        data = signing.loads(cursor, salt=SALT, serializer=_Serializer)
    except (signing.BadSignature, ValueError, UnicodeError, TypeError):
        raise InvalidCursor("malformed") from None
    if not isinstance(data, dict) or not isinstance(data.get("v"), list):
        raise InvalidCursor("malformed")
    if data.get("k") != scope:
        raise InvalidCursor("other filters")
    return data["v"]


def page(
    queryset: QuerySet, order: list[Key], *, cursor: str | None, limit: int, scope: str
) -> tuple[list, str | None]:
    """The rows of one page (`limit` at most) and the cursor of the next (None on the last page): one query."""
    queryset = queryset.order_by(*(key.expression() for key in order))
    if cursor:
        values = decode(cursor, scope)
        if len(values) != len(order):
            raise InvalidCursor("malformed")
        condition = Q(pk__in=[])
        same = Q()
        for key, value in zip(order, values, strict=True):
            condition |= same & key.after(value)
            same &= key.equal(value)
        queryset = queryset.filter(condition)
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode([getattr(last, key.field) for key in order], scope)
