"""The programme search index over the normalised `search_key` (architecture 4.5; engines in catalogue/search.py).

PostgreSQL: pg_trgm; a GIN trigram index on the key with its spaces removed (glued and spaced forms are then
substrings of each other), which finds the matches; a stored generated column the model does not declare
(Django never writes it), `search_vector` = to_tsvector('simple', search_key), which ranks them; and a GIN
trigram index on the key itself (similar words, for misspellings). No GIN index on the tsvector: every
whole-word match is also a trigram match, so it would never narrow a search, and an OR of the two index
conditions made PostgreSQL scan the whole table (measured in bench/search.py).
SQLite: an FTS5 table with the trigram tokenizer over the same spaceless key, kept in step by triggers.
Other databases get no index; the search then falls back to plain substring filters.
"""

from django.db import migrations

POSTGRESQL_FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Stored, so ranking does not run to_tsvector again for every matching row.
    "ALTER TABLE catalogue_programme ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_key)) STORED",
    "CREATE INDEX IF NOT EXISTS catalogue_programme_search_compact_trgm ON catalogue_programme "
    "USING gin ((replace(search_key, ' ', '')) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalogue_programme_search_trgm ON catalogue_programme "
    "USING gin (search_key gin_trgm_ops)",
]
POSTGRESQL_BACKWARDS = [
    "DROP INDEX IF EXISTS catalogue_programme_search_trgm",
    "DROP INDEX IF EXISTS catalogue_programme_search_compact_trgm",
    "ALTER TABLE catalogue_programme DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalogue_programme_search USING fts5(compact, tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS catalogue_programme_search_ai AFTER INSERT ON catalogue_programme BEGIN "
    "INSERT INTO catalogue_programme_search(rowid, compact) VALUES (new.id, replace(new.search_key, ' ', '')); END",
    "CREATE TRIGGER IF NOT EXISTS catalogue_programme_search_ad AFTER DELETE ON catalogue_programme BEGIN "
    "DELETE FROM catalogue_programme_search WHERE rowid = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS catalogue_programme_search_au AFTER UPDATE OF search_key ON catalogue_programme "
    "BEGIN DELETE FROM catalogue_programme_search WHERE rowid = old.id; "
    "INSERT INTO catalogue_programme_search(rowid, compact) VALUES (new.id, replace(new.search_key, ' ', '')); END",
    "INSERT INTO catalogue_programme_search(rowid, compact) SELECT id, replace(search_key, ' ', '') "
    "FROM catalogue_programme",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS catalogue_programme_search_au",
    "DROP TRIGGER IF EXISTS catalogue_programme_search_ad",
    "DROP TRIGGER IF EXISTS catalogue_programme_search_ai",
    "DROP TABLE IF EXISTS catalogue_programme_search",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS})


def backwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS})


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_seed_audiences")]
    operations = [migrations.RunPython(forwards, backwards)]
