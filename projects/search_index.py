"""The catalogue search index: the analysed terms of each need and call (projects.analysis), on both databases.

Each need and call stores its terms in three weighted parts (`search_title` > `search_summary` > `search_body`).
From these same stored strings the database builds its index:

- SQLite: an FTS5 table per model (`projects_need_fts`, `projects_call_fts`, rowid = the row's id, tokenizer
  `unicode61 remove_diacritics 0` so å, ä and ö stay letters), queried with `"term"* AND "term"*`, ranked by bm25
  with column weights 10 / 4 / 1.
- PostgreSQL: the `search_vector` column, `setweight(to_tsvector('simple', part), 'A'|'B'|'C')` (GIN-indexed),
  queried with `to_tsquery('simple', 'term:* & term:*')`, ranked by ts_rank.

Both hold the same terms and both match a query term as a prefix, so both find the same rows
(`projects.analysis.matches` states the rule).
"""

from django.db import connection
from django.utils import translation

from .analysis import index_text

FTS_TABLES = {"projects_need": "projects_need_fts", "projects_call": "projects_call_fts"}
PARTS = ("search_title", "search_summary", "search_body")
# bm25 column weights on SQLite (title, summary, body); PostgreSQL uses the weights A, B, C.
BM25_WEIGHTS = (10.0, 4.0, 1.0)


def _labels(choices, values) -> list[str]:
    """The labels of the chosen values in Swedish and in English (a search in either language finds them)."""
    labels = dict(choices)
    out = []
    for language in ("sv", "en"):
        with translation.override(language):
            out.extend(str(labels[value]) for value in values if value in labels)
    return out


def need_parts(need, cpv_codes=(), assessment_summary: str = "") -> dict[str, str]:
    """The analysed terms of a need: title, summary, and a body of its texts, category, themes and CPV codes,
    and the public summary of its market-gap assessment (never the assessment's internal parts)."""
    from .models import Category, Theme

    cpv = [text for code in cpv_codes for text in (code.code, code.label, getattr(code, "label_sv", ""))]
    return {
        "search_title": index_text(need.title),
        "search_summary": index_text(need.summary),
        "search_body": index_text(
            need.problem,
            need.desired_effects,
            need.affected,
            assessment_summary,
            *_labels(Category.choices, [need.category]),
            *_labels(Theme.choices, need.themes or []),
            *cpv,
        ),
    }


def call_parts(call, need, need_body: str = "") -> dict[str, str]:
    """The analysed terms of a call: title, description, and a body of its questions and its need."""
    return {
        "search_title": index_text(call.title),
        "search_summary": index_text(call.description),
        "search_body": " ".join(
            part
            for part in (
                index_text(call.questions_to_market, need.title, need.summary),
                need_body,
            )
            if part
        ),
    }


def refresh(table: str, ids=None, cursor=None) -> None:
    """Rebuild the database index of `table` from its stored parts, for the rows `ids` (all rows when None)."""
    if ids is not None and not ids:
        return
    ids = None if ids is None else [int(pk) for pk in ids]
    where = "" if ids is None else f" WHERE id IN ({', '.join(['%s'] * len(ids))})"
    params = [] if ids is None else ids
    own_cursor = cursor is None
    cursor = cursor or connection.cursor()
    try:
        vendor = cursor.db.vendor if hasattr(cursor, "db") else connection.vendor
        if vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET search_vector = "
                "setweight(to_tsvector('simple', search_title), 'A') || "
                "setweight(to_tsvector('simple', search_summary), 'B') || "
                f"setweight(to_tsvector('simple', search_body), 'C'){where}",
                params,
            )
        elif vendor == "sqlite":
            fts = FTS_TABLES[table]
            if ids is None:
                cursor.execute(f"DELETE FROM {fts}")
            else:
                cursor.execute(f"DELETE FROM {fts} WHERE rowid IN ({', '.join(['%s'] * len(ids))})", ids)
            cursor.execute(
                f"INSERT INTO {fts} (rowid, {', '.join(PARTS)}) SELECT id, {', '.join(PARTS)} FROM {table}{where}",
                params,
            )
    finally:
        if own_cursor:
            cursor.close()


def create_fts_tables(cursor) -> None:
    """The SQLite FTS5 tables (a copy of the stored parts; rows are written by `refresh`)."""
    for fts in FTS_TABLES.values():
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
            f"{', '.join(PARTS)}, tokenize = 'unicode61 remove_diacritics 0')"
        )


def drop_fts_tables(cursor) -> None:
    for fts in FTS_TABLES.values():
        cursor.execute(f"DROP TABLE IF EXISTS {fts}")
