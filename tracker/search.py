"""Search across every kind of object: one index table, kept in step by database triggers.

Each indexed object is one row of `tracker_search`, with three weighted texts: `title` (what the object is
called or says), `body` (its longer text) and `context` (the names of what it is tied to, so that a
prediction is found by its speaker, source, quotes, tags, theses and companies). The row's id packs the
kind and the object's id (`id * KIND_SLOTS + code`), so a trigger finds a row without scanning the index.

SQLite keeps the rows in an FTS5 table (it stores its own copy of the texts: an external-content table
would need the old texts to delete a row, and a prediction's texts come from seven tables). PostgreSQL keeps
them in a plain table with a generated, weighted `tsvector` and a GIN index on it. The same triggers,
generated from `KINDS`, refresh the rows of every object a write touches, so every write path (forms,
bundle imports with `bulk_create`, the admin, raw SQL) is covered.

Adding a kind is one more entry in `KINDS` (and a migration that calls `install`, or just `migrate`:
triggers are re-created and the index refilled after every migrate that applied something).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import connection as default_connection
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TABLE = "tracker_search"
KIND_SLOTS = 16  # room for this many kinds in a row id
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
RESULTS = 20  # the best matches shown; the kind tabs narrow the rest
# Each kind's matches are counted up to this many and then shown as "1,000+": an exact count of a word found
# in most rows would cost more than finding the best matches.
COUNT_CAP = 1000
# Private-use characters mark the matched words in highlights; they are removed from queries and never
# typed, so escaping the text and then turning them into <mark> is safe.
MARK_START, MARK_END = "\ue000", "\ue001"
WEIGHTS = (10.0, 4.0, 1.0)  # title, body, context


@dataclass(frozen=True)
class Depends:
    """Writes to `table` change the documents of the objects `ids` selects (`{row}` is NEW or OLD).

    With `columns`, updates of those columns; without, inserts and deletes (a many-to-many table).
    """

    table: str
    ids: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """One kind of object in the index: its texts as SQL over its table (aliased `o`) and `joins`.

    `name` is the model's name; `AGG(` in a text is the backend's string aggregate; `depends` lists the
    other tables whose writes change these texts.
    """

    name: str
    code: int
    table: str
    title: str
    body: str
    context: str = "''"
    joins: str = ""
    depends: tuple[Depends, ...] = ()
    label: str = ""
    related: tuple[str, ...] = ()  # what a result line shows besides the object itself

    @property
    def model(self):
        return apps.get_model("tracker", self.name)

    @property
    def plural(self) -> str:
        return self.label or f"{self.name}s"


def _names(through: str, owner: str, other: str, table: str, column: str) -> str:
    """The `column` of every `table` row tied to the object through the many-to-many table `through`."""
    return (f"coalesce((SELECT AGG(t.{column}, ' ') FROM {table} t JOIN {through} x ON x.{other}_id = t.id "
            f"WHERE x.{owner}_id = o.id), '')")


def _through(through: str, owner: str) -> Depends:
    return Depends(through, f"SELECT {{row}}.{owner}_id AS id")


def _joined(*parts: str) -> str:
    return " || ' · ' || ".join(f"coalesce({part}, '')" for part in parts)


KINDS: tuple[Kind, ...] = (
    Kind(
        "prediction", 1, "tracker_prediction", "o.statement", "o.criteria",
        _joined("sp.name", "s.title", "s.publisher", "au.name",
                _names("tracker_prediction_quotes", "prediction", "quote", "tracker_quote", "text"),
                _names("tracker_prediction_tags", "prediction", "tag", "tracker_tag", "name"),
                _names("tracker_prediction_theses", "prediction", "thesis", "tracker_thesis", "title"),
                _names("tracker_prediction_companies", "prediction", "company", "tracker_company", "name")),
        "LEFT JOIN tracker_person sp ON sp.id = o.speaker_id LEFT JOIN tracker_source s ON s.id = o.source_id "
        "LEFT JOIN tracker_person au ON au.id = s.author_id",
        (
            Depends("tracker_person", "SELECT id FROM tracker_prediction WHERE speaker_id = {row}.id UNION "
                    "SELECT p.id FROM tracker_prediction p JOIN tracker_source s ON s.id = p.source_id "
                    "WHERE s.author_id = {row}.id", ("name",)),
            Depends("tracker_source", "SELECT id FROM tracker_prediction WHERE source_id = {row}.id",
                    ("title", "publisher", "author_id")),
            Depends("tracker_quote", "SELECT prediction_id AS id FROM tracker_prediction_quotes "
                    "WHERE quote_id = {row}.id", ("text",)),
            Depends("tracker_tag", "SELECT prediction_id AS id FROM tracker_prediction_tags "
                    "WHERE tag_id = {row}.id", ("name",)),
            Depends("tracker_thesis", "SELECT prediction_id AS id FROM tracker_prediction_theses "
                    "WHERE thesis_id = {row}.id", ("title",)),
            Depends("tracker_company", "SELECT prediction_id AS id FROM tracker_prediction_companies "
                    "WHERE company_id = {row}.id", ("name",)),
            _through("tracker_prediction_quotes", "prediction"),
            _through("tracker_prediction_tags", "prediction"),
            _through("tracker_prediction_theses", "prediction"),
            _through("tracker_prediction_companies", "prediction"),
        ),
        related=("speaker", "source"),
    ),
    Kind(
        "quote", 2, "tracker_quote", "o.text", "''", _joined("sp.name", "s.title", "s.publisher"),
        "JOIN tracker_source s ON s.id = o.source_id LEFT JOIN tracker_person sp ON sp.id = o.speaker_id",
        (
            Depends("tracker_person", "SELECT id FROM tracker_quote WHERE speaker_id = {row}.id", ("name",)),
            Depends("tracker_source", "SELECT id FROM tracker_quote WHERE source_id = {row}.id",
                    ("title", "publisher")),
        ),
        related=("speaker", "source"),
    ),
    Kind(
        "source", 3, "tracker_source", "o.title", "o.publisher", "au.name",
        "LEFT JOIN tracker_person au ON au.id = o.author_id",
        (Depends("tracker_person", "SELECT id FROM tracker_source WHERE author_id = {row}.id", ("name",)),),
        related=("author",),
    ),
    Kind("person", 4, "tracker_person", "o.name", "o.affiliation", label="people"),
    Kind(
        "thesis", 5, "tracker_thesis", "o.title", "o.rationale",
        _names("tracker_thesis_companies", "thesis", "company", "tracker_company", "name"),
        depends=(
            Depends("tracker_company", "SELECT thesis_id AS id FROM tracker_thesis_companies "
                    "WHERE company_id = {row}.id", ("name",)),
            _through("tracker_thesis_companies", "thesis"),
        ),
        label="theses",
    ),
    Kind("signal", 6, "tracker_signal", "o.title", "o.summary"),
    Kind("company", 7, "tracker_company", "o.name", "o.ticker", label="companies"),
    Kind(
        "transcriptsegment", 8, "tracker_transcriptsegment", "o.text", "''", _joined("sp.name", "s.title"),
        "JOIN tracker_source s ON s.id = o.source_id LEFT JOIN tracker_person sp ON sp.id = o.speaker_id",
        (
            Depends("tracker_person", "SELECT id FROM tracker_transcriptsegment WHERE speaker_id = {row}.id",
                    ("name",)),
            Depends("tracker_source", "SELECT id FROM tracker_transcriptsegment WHERE source_id = {row}.id",
                    ("title",)),
        ),
        related=("speaker", "source"), label="transcript sentences",
    ),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}
KIND_BY_CODE = {kind.code: kind for kind in KINDS}
assert len(KIND_BY_CODE) == len(KINDS) and max(KIND_BY_CODE) < KIND_SLOTS


# --- Queries -------------------------------------------------------------------------------------------

def clean_query(text: str) -> str:
    """The query as searched: no NUL or mark characters, at most MAX_QUERY_LENGTH characters."""
    text = text.replace("\x00", " ").replace(MARK_START, " ").replace(MARK_END, " ")
    return text[:MAX_QUERY_LENGTH].strip()


def terms(text: str) -> list[str]:
    """The words searched for: those with a letter or digit (the only characters the index keeps)."""
    words = [word for word in clean_query(text).split() if any(ch.isalnum() for ch in word)]
    return words[:MAX_TERMS]


def fts5_query(words: list[str]) -> str:
    """Every word as an FTS5 string (so `NEAR`, `*`, `-`, `(`, `"` mean nothing), all required."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)


@dataclass
class Hit:
    kind: Kind
    object_id: int
    title: SafeString
    snippets: list[SafeString]
    obj: object = None


def count_label(n: int) -> str:
    """A count of matches as shown: exact up to COUNT_CAP, else "1,000+" (counting stopped there)."""
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


@dataclass
class Results:
    query: str
    hits: list[Hit]
    counts: dict[str, int]  # per kind, exact up to COUNT_CAP; COUNT_CAP + 1 means "more than COUNT_CAP"
    truncated: bool = False

    @property
    def total(self) -> str:
        n = sum(min(c, COUNT_CAP) for c in self.counts.values())
        return f"{n:,}+" if any(c > COUNT_CAP for c in self.counts.values()) else f"{n:,}"

    @property
    def by_kind(self) -> list[tuple[Kind, str]]:
        """The kinds with matches, in the order of KINDS, with how many each has."""
        return [(kind, count_label(self.counts[kind.name])) for kind in KINDS if kind.name in self.counts]


def highlight(text: str) -> SafeString:
    """Escape `text`, then wrap the words the database marked in <mark>."""
    parts = re.split(f"{MARK_START}(.*?){MARK_END}", text, flags=re.S)
    html = "".join(f"<mark>{escape(part)}</mark>" if i % 2 else escape(part) for i, part in enumerate(parts))
    return mark_safe(html.replace(MARK_START, "").replace(MARK_END, ""))


def search(text: str, kind: str | None = None, limit: int = RESULTS, connection=default_connection) -> Results:
    """The best `limit` matches for every word of `text`, of one kind or all, with highlighted texts.

    One query whatever the size of the index (the counts per kind and the ranked, highlighted page), then
    one per kind of object on the page.
    """
    # The statement ranks inside the index query (only the kind asked for, keeping only the best `limit`),
    # counts each kind (shown up to COUNT_CAP), and highlights only the rows shown.
    words = terms(text)
    query = clean_query(text)
    truncated = len(text) > MAX_QUERY_LENGTH
    if not words:
        return Results(query, [], {}, truncated)
    backend = SQLITE if connection.vendor == "sqlite" else POSTGRES
    code = KIND_BY_NAME[kind].code if kind in KIND_BY_NAME else None
    sql, params = backend.statement(backend.query(words), code, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts = {}
    for pair in (rows[0][0] or "").split(","):
        code, _, n = pair.partition(":")
        if code and int(code) in KIND_BY_CODE and int(n):
            counts[KIND_BY_CODE[int(code)].name] = min(int(n), COUNT_CAP + 1)
    rows = [row[1:] for row in rows if row[1] is not None]
    hits = []
    for rowid, title, body, context in rows:
        kind_code, object_id = rowid % KIND_SLOTS, rowid // KIND_SLOTS
        snippets = [highlight(s) for s in (body, context) if MARK_START in s]
        hits.append(Hit(KIND_BY_CODE[kind_code], object_id, highlight(title), snippets))
    return Results(query, _with_objects(hits), counts, truncated)


def _with_objects(hits: list[Hit]) -> list[Hit]:
    """Attach each hit's object, one query per kind on the page; rows of vanished objects are dropped."""
    by_kind: dict[Kind, list[int]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit.object_id)
    objects = {}
    for kind, ids in by_kind.items():
        rows = kind.model.objects.select_related(*kind.related) if kind.related else kind.model.objects
        objects[kind] = rows.in_bulk(ids)
    for hit in hits:
        hit.obj = objects[hit.kind].get(hit.object_id)
    return [hit for hit in hits if hit.obj is not None]


def matching_ids(kind: str, text: str) -> RawSQL | None:
    """A subquery of the ids of `kind` objects matching every word of `text`; None when nothing is asked."""
    words = terms(text)
    if not words:
        return None
    backend = SQLITE if default_connection.vendor == "sqlite" else POSTGRES
    return RawSQL(backend.ids.format(code=KIND_BY_NAME[kind].code), [backend.query(words)])


@dataclass(frozen=True)
class Backend:
    aggregate: str
    # statement(query, kind code or None, limit) -> (sql, params): one statement whose rows are the counts
    # ("code:n,..."), then a hit per row (or NULLs when nothing matches the kind asked for).
    statement: Callable[[str, int | None, int], tuple[str, list]]
    ids: str
    query: Callable[[list[str]], str]


def _of_kind(code: int | None) -> str:
    """The WHERE condition for one kind's rows (a literal, so PostgreSQL's partial index for it applies)."""
    return "" if code is None else f"AND rowid %% {KIND_SLOTS} = {code} "


def _select_page(counts: str, top: str, highlighted: str, before: str = "") -> str:
    """The shape both backends share: the best rows (`top`: rowid, score) and the counts per kind (`c`); only
    the rows of `top` are highlighted. `before`: common table expressions these use."""
    return (f"WITH {before}top AS ({top}), c AS ({counts}), h AS ({highlighted}) "
            f"SELECT c.counts, h.rowid, h.title, h.body, h.context FROM c LEFT JOIN h ON 1 = 1 "
            f"ORDER BY h.score DESC, h.rowid")


# `%%` is a literal `%` in SQL that also takes parameters.
_MARKS = f"'{MARK_START}', '{MARK_END}'"


def _sqlite_statement(query: str, code: int | None, limit: int) -> tuple[str, list]:
    # bm25() is lower for better matches, and is only computed for the rows the kind filter keeps. The counts
    # read only each match's row id (cheap: bm25 reads each row's lengths and positions), then show the cap.
    sql = _select_page(
        f"SELECT group_concat(code || ':' || n, ',') AS counts FROM "
        f"(SELECT rowid %% {KIND_SLOTS} AS code, count(*) AS n FROM {TABLE} WHERE {TABLE} MATCH %s GROUP BY 1)",
        f"SELECT rowid, -bm25({TABLE}, {', '.join(map(str, WEIGHTS))}) AS score FROM {TABLE} "
        f"WHERE {TABLE} MATCH %s {_of_kind(code)}ORDER BY score DESC, rowid LIMIT %s",
        # CROSS JOIN keeps `top` outside: each shown row is looked up by rowid, not every match scanned again.
        f"SELECT top.rowid AS rowid, highlight({TABLE}, 0, {_MARKS}) AS title, "
        f"snippet({TABLE}, 1, {_MARKS}, '…', 24) AS body, snippet({TABLE}, 2, {_MARKS}, '…', 16) AS context, "
        f"top.score AS score FROM top CROSS JOIN {TABLE} ON {TABLE}.rowid = top.rowid WHERE {TABLE} MATCH %s")
    return sql, [query, limit, query, query]


_TSQUERY = "websearch_to_tsquery('english', %s)"
_PG_WEIGHTS = "'{" + ", ".join(str(w / WEIGHTS[0]) for w in (0.0, *reversed(WEIGHTS))) + "}'"  # D, C, B, A
_PG_MARKS = f"StartSel={MARK_START}, StopSel={MARK_END}"
_Q = "(SELECT q FROM w)"  # the query, parsed once; a scalar subquery, so that the GIN indexes take it


def _pg_statement(query: str, code: int | None, limit: int) -> tuple[str, list]:
    before = f"w AS MATERIALIZED (SELECT {_TSQUERY} AS q), "
    rank = f"SELECT rowid, ts_rank({_PG_WEIGHTS}, vector, {_Q}) AS score FROM {TABLE} WHERE vector @@ {_Q} "
    if code is None:
        # Every kind: ranking reads every match's row anyway, so the counts come from the same rows.
        before += f"m AS MATERIALIZED ({rank}), "
        counts = f"SELECT rowid %% {KIND_SLOTS} AS code, count(*) AS n FROM m GROUP BY 1"
        top = "SELECT rowid, score FROM m ORDER BY score DESC, rowid LIMIT %s"
    else:
        # One kind: only its rows are ranked (through its partial index), in a top-N sort; every kind is counted
        # through its own partial index, reading its rows only up to the cap.
        counts = " UNION ALL ".join(
            f"SELECT {kind.code} AS code, (SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE vector @@ {_Q} "
            f"{_of_kind(kind.code)}LIMIT {COUNT_CAP + 1}) AS k) AS n" for kind in KINDS)
        top = f"{rank}{_of_kind(code)}ORDER BY score DESC, rowid LIMIT %s"
    sql = _select_page(
        f"SELECT string_agg(CAST(code AS text) || ':' || CAST(n AS text), ',') AS counts FROM ({counts}) AS per_kind "
        f"WHERE n > 0",
        top,
        f"SELECT t.rowid, ts_headline('english', t.title, w.q, 'HighlightAll=true, {_PG_MARKS}') AS title, "
        f"ts_headline('english', t.body, w.q, 'MaxWords=30, MinWords=12, {_PG_MARKS}') AS body, "
        f"ts_headline('english', t.context, w.q, 'MaxWords=20, MinWords=8, {_PG_MARKS}') AS context, top.score "
        f"FROM top JOIN {TABLE} t ON t.rowid = top.rowid, w",
        before)
    return sql, [query, limit]


SQLITE = Backend(
    aggregate="group_concat(",
    statement=_sqlite_statement,
    ids=f"SELECT rowid / {KIND_SLOTS} FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid %% {KIND_SLOTS} = {{code}}",
    query=fts5_query,
)
POSTGRES = Backend(
    aggregate="string_agg(",
    statement=_pg_statement,
    ids=f"SELECT rowid / {KIND_SLOTS} FROM {TABLE} WHERE vector @@ {_TSQUERY} AND rowid %% {KIND_SLOTS} = {{code}}",
    # websearch_to_tsquery never fails on syntax; words separated by spaces are all required.
    query=" ".join,
)


# --- Schema: the index table, its triggers, filling it -----------------------------------------------
# These statements take no parameters, so `%` is written once.

def _fill(kind: Kind, ids: str, aggregate: str) -> str:
    """The statement that writes the rows of the `kind` objects `ids` selects."""
    texts = ", ".join(f"coalesce({text}, '')".replace("AGG(", aggregate)
                      for text in (kind.title, kind.body, kind.context))
    return (f"INSERT INTO {TABLE} (rowid, title, body, context) SELECT o.id * {KIND_SLOTS} + {kind.code}, {texts} "
            f"FROM {kind.table} o {kind.joins} WHERE o.id IN ({ids})")


def _remove(kind: Kind, ids: str) -> str:
    return f"DELETE FROM {TABLE} WHERE rowid IN (SELECT ids.id * {KIND_SLOTS} + {kind.code} FROM ({ids}) AS ids)"


def _triggers(kind: Kind) -> list[tuple[str, str, str, list[str]]]:
    """(name, table, event, statements) for every trigger the kind needs."""
    new, old = "SELECT NEW.id AS id", "SELECT OLD.id AS id"
    # Deleting first makes every refresh idempotent, whatever rows a TRUNCATE or a bulk load left behind.
    found = [(f"{kind.name}_insert", kind.table, "INSERT", [_remove(kind, new), _fill(kind, new, "{agg}")]),
             (f"{kind.name}_update", kind.table, "UPDATE", [_remove(kind, new), _fill(kind, new, "{agg}")]),
             (f"{kind.name}_delete", kind.table, "DELETE", [_remove(kind, old)])]
    for dep in kind.depends:
        events = [(f"UPDATE OF {', '.join(dep.columns)}", "NEW")] if dep.columns else [("INSERT", "NEW"),
                                                                                      ("DELETE", "OLD")]
        for event, row in events:
            ids = dep.ids.format(row=row)
            name = f"{kind.name}_{dep.table.removeprefix('tracker_')}_{event.split()[0].lower()}"
            found.append((name, dep.table, event, [_remove(kind, ids), _fill(kind, ids, "{agg}")]))
    return found


def _existing_tables(connection) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _installable(connection) -> list[Kind]:
    """The kinds whose tables exist: a kind added later is indexed once its migration has run."""
    tables = _existing_tables(connection)
    return [kind for kind in KINDS
            if kind.table in tables and all(dep.table in tables for dep in kind.depends)]


def create_table(schema_editor) -> None:
    """The index table (migration 0012). Its triggers and rows come from `install` after the migrate run:
    on SQLite a trigger mentioning a table stops later migrations from remaking that table."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, body, context, "
                              "tokenize='porter unicode61 remove_diacritics 2')")
    else:
        schema_editor.execute(
            f"CREATE TABLE {TABLE} (rowid bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL, "
            "context text NOT NULL, vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english'::regconfig, title), 'A') || "
            "setweight(to_tsvector('english'::regconfig, body), 'B') || "
            "setweight(to_tsvector('english'::regconfig, context), 'C')) STORED)")
        schema_editor.execute(f"CREATE INDEX {TABLE}_vector_idx ON {TABLE} USING gin (vector)")


def drop_table(schema_editor) -> None:
    uninstall(schema_editor.connection)
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def uninstall(connection) -> None:
    """Drop every search trigger (SQLite cannot remake a table that another table's trigger mentions)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search\\_%' "
                           "ESCAPE '\\'")
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute("SELECT p.oid::regprocedure FROM pg_proc p WHERE p.proname LIKE 'search\\_%' "
                           "AND p.pronamespace = current_schema()::regnamespace")
            for (function,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION {function} CASCADE")


def install(connection) -> None:
    """(Re)create the triggers and refill the index from the live tables."""
    if TABLE not in _existing_tables(connection):
        return
    uninstall(connection)
    sqlite = connection.vendor == "sqlite"
    aggregate = SQLITE.aggregate if sqlite else POSTGRES.aggregate
    kinds = _installable(connection)
    with connection.cursor() as cursor:
        for kind in kinds:
            for name, table, event, statements in _triggers(kind):
                name, body = f"search_{name}", "; ".join(statements).replace("{agg}", aggregate)
                if sqlite:
                    cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body}; END")
                else:
                    cursor.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; "
                                   "RETURN NULL; END $$")
                    cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                                   f"EXECUTE FUNCTION {name}()")
            if not sqlite:
                # One kind's matches (the predictions list's `q`) without reading every other kind's rows.
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_{kind.name}_idx ON {TABLE} USING gin (vector) "
                               f"WHERE rowid % {KIND_SLOTS} = {kind.code}")
                # The test runner empties tables with TRUNCATE, which row triggers do not see.
                name = f"search_{kind.name}_truncate"
                cursor.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                               f"DELETE FROM {TABLE} WHERE rowid % {KIND_SLOTS} = {kind.code}; RETURN NULL; END $$")
                cursor.execute(f"CREATE TRIGGER {name} AFTER TRUNCATE ON {kind.table} FOR EACH STATEMENT "
                               f"EXECUTE FUNCTION {name}()")
        cursor.execute(f"DELETE FROM {TABLE}")
        for kind in kinds:
            cursor.execute(_fill(kind, f"SELECT id FROM {kind.table}", aggregate))
        if not sqlite:
            cursor.execute(f"ANALYZE {TABLE}")


def before_migrate(sender, using=DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """Drop the triggers before migrations run, so that they can alter any table."""
    if plan and TABLE in _existing_tables(connections[using]):
        uninstall(connections[using])


def after_migrate(sender, using=DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """Re-create the triggers for the tables as migrated, and refill the index."""
    if plan:
        install(connections[using])
