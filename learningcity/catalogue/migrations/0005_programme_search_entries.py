"""PostgreSQL: the search table, one narrow row per programme with everything a search reads
(catalogue/search.py, `FacetedSearch`), kept by triggers, so matching, facet counts, ordering and the map
are one index-driven scan without joins.

`catalogue_search_entry` holds per programme: whether it is listed (published), its city, publication time,
free or not, format, language, domain and life-stage ids, and its scheduled offerings in date order as
parallel arrays (first session day, (district number + 1, 0 for none) * 2 + "a seat is left",
venue id), with suffix
summaries of them (`district_masks[i]`: bits of the districts of offerings i..n; `seat_masks[i]`: the same
for offerings with a seat left; `seat_next[i]`: the first day among those), so "upcoming" (from today, a
position found by binary search) needs no per-offering work. Then the spaceless key (GIN trigram), the key
and its tsvector for ranking. District bits: bit 0 = no district, bit number + 1 for numbers 0..61,
bit 63 for anything larger (searches then count districts the slow way).

Triggers keep it right whoever writes (services, admin, factories, bulk COPY, the enrolment services'
counter updates): statement-level on inserts and deletes (one set-based refresh per COPY); on updates a
row-level trigger behind a WHEN clause notes the programmes whose search-visible facts changed and a
statement-level one refreshes them together, so an enrolment that does not change whether a seat is left
costs one empty function call, and a bulk UPDATE one refresh.
A programme that stops being listed (or is deleted) keeps a tombstone row with a new `changed` number:
`max(changed)` is then a version of the whole search data that every change moves, which the search
caches key on.
SQLite and other databases get nothing here; the search reads the programme tables there.
"""

from django.db import migrations

REFRESH_FUNCTION = r"""
CREATE OR REPLACE FUNCTION catalogue_search_refresh(programme_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Set-based (joins and GROUP BYs over all the programmes at once), so a COPY of thousands is one pass.
    INSERT INTO catalogue_search_entry AS e (
        programme_id, city_id, listed, changed, published_at, is_free, format, language, domain_ids,
        life_stage_ids, offering_days, offering_codes, offering_venues, district_masks, seat_masks, seat_next,
        compact, search_key, search_vector)
    WITH wanted AS (
        SELECT p.* FROM catalogue_programme p
        WHERE p.id IN (SELECT unnest(programme_ids)) AND p.status = 'published'
    ), domains AS (
        SELECT d.programme_id, array_agg(d.learningdomain_id ORDER BY d.learningdomain_id) AS ids
        FROM catalogue_programme_domains d WHERE d.programme_id IN (SELECT id FROM wanted) GROUP BY d.programme_id
    ), stages AS (
        SELECT s.programme_id, array_agg(s.audience_id ORDER BY s.audience_id) AS ids
        FROM catalogue_programme_life_stages s WHERE s.programme_id IN (SELECT id FROM wanted)
        GROUP BY s.programme_id
    ), runs AS (
        SELECT o.programme_id, o.starts_on, o.id, f.slot * 2 + f.seat::int AS code, COALESCE(o.venue_id, 0) AS venue,
               bit_or(f.bit) OVER later AS district_mask,
               COALESCE(bit_or(f.bit) FILTER (WHERE f.seat) OVER later, 0) AS seat_mask,
               min(o.starts_on) FILTER (WHERE f.seat) OVER later AS seat_next
        FROM catalogue_offering o
        LEFT JOIN catalogue_venue v ON v.id = o.venue_id
        LEFT JOIN cities_district d ON d.id = v.district_id
        CROSS JOIN LATERAL (
            SELECT o.capacity > o.confirmed_count + o.offered_count AS seat,
                   COALESCE(d.number::int + 1, 0) AS slot,
                   CASE WHEN d.number IS NULL THEN 1::bigint
                        WHEN d.number <= 61 THEN 1::bigint << (d.number + 1)
                        ELSE (-9223372036854775807 - 1)::bigint END AS bit
        ) f
        WHERE o.programme_id IN (SELECT id FROM wanted) AND o.status = 'scheduled' AND o.starts_on IS NOT NULL
        WINDOW later AS (PARTITION BY o.programme_id ORDER BY o.starts_on, o.id
                         ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
    ), offerings AS (
        SELECT programme_id, array_agg(starts_on ORDER BY starts_on, id) AS days,
               array_agg(code ORDER BY starts_on, id) AS codes, array_agg(venue ORDER BY starts_on, id) AS venues,
               array_agg(district_mask ORDER BY starts_on, id) AS district_masks,
               array_agg(seat_mask ORDER BY starts_on, id) AS seat_masks,
               array_agg(seat_next ORDER BY starts_on, id) AS seat_next
        FROM runs GROUP BY programme_id
    )
    SELECT p.id, p.city_id, true, nextval('catalogue_search_entry_changed_seq'), p.published_at,
           p.fee_rials = 0, p.format, p.language, COALESCE(d.ids, '{}'), COALESCE(s.ids, '{}'),
           COALESCE(o.days, '{}'), COALESCE(o.codes, '{}'), COALESCE(o.venues, '{}'),
           COALESCE(o.district_masks, '{}'), COALESCE(o.seat_masks, '{}'), COALESCE(o.seat_next, '{}'),
           replace(p.search_key, ' ', ''), p.search_key, p.search_vector
    FROM wanted p
    LEFT JOIN domains d ON d.programme_id = p.id
    LEFT JOIN stages s ON s.programme_id = p.id
    LEFT JOIN offerings o ON o.programme_id = p.id
    ON CONFLICT (programme_id) DO UPDATE SET
        city_id = EXCLUDED.city_id, listed = true, changed = EXCLUDED.changed, published_at = EXCLUDED.published_at,
        is_free = EXCLUDED.is_free, format = EXCLUDED.format, language = EXCLUDED.language,
        domain_ids = EXCLUDED.domain_ids, life_stage_ids = EXCLUDED.life_stage_ids,
        offering_days = EXCLUDED.offering_days, offering_codes = EXCLUDED.offering_codes,
        offering_venues = EXCLUDED.offering_venues, district_masks = EXCLUDED.district_masks,
        seat_masks = EXCLUDED.seat_masks, seat_next = EXCLUDED.seat_next, compact = EXCLUDED.compact,
        search_key = EXCLUDED.search_key, search_vector = EXCLUDED.search_vector
    -- Only real changes move the version (and so empty the search caches).
    WHERE (e.city_id, e.listed, e.published_at, e.is_free, e.format, e.language, e.domain_ids, e.life_stage_ids,
           e.offering_days, e.offering_codes, e.offering_venues, e.search_key)
          IS DISTINCT FROM
          (EXCLUDED.city_id, true, EXCLUDED.published_at, EXCLUDED.is_free, EXCLUDED.format, EXCLUDED.language,
           EXCLUDED.domain_ids, EXCLUDED.life_stage_ids, EXCLUDED.offering_days, EXCLUDED.offering_codes,
           EXCLUDED.offering_venues, EXCLUDED.search_key);

    -- No longer published, or gone: a tombstone with a new change number.
    UPDATE catalogue_search_entry e SET
        listed = false, changed = nextval('catalogue_search_entry_changed_seq'), domain_ids = '{}',
        life_stage_ids = '{}', offering_days = '{}', offering_codes = '{}', offering_venues = '{}',
        district_masks = '{}', seat_masks = '{}', seat_next = '{}', compact = '', search_key = '', search_vector = ''
    WHERE e.programme_id IN (SELECT unnest(programme_ids)) AND e.listed
      AND NOT EXISTS (SELECT 1 FROM catalogue_programme p WHERE p.id = e.programme_id AND p.status = 'published');
END
$$
"""

# Bulk loaders may set `catalogue.search_deferred` to 'on' for their transaction (search.defer_search_entries)
# and refresh the programmes they wrote once at the end (search.refresh_search_entries).
DEFERRED = "current_setting('catalogue.search_deferred', true) IS NOT DISTINCT FROM 'on'"

TRIGGER_FUNCTIONS = [
    # Statement level: the changed rows arrive as the transition table `changed_rows`.
    f"""CREATE OR REPLACE FUNCTION catalogue_search_changed_programmes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT {DEFERRED} THEN PERFORM catalogue_search_refresh(ARRAY(SELECT id FROM changed_rows)); END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION catalogue_search_changed_programme_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT {DEFERRED} THEN PERFORM catalogue_search_refresh(ARRAY(SELECT programme_id FROM changed_rows)); END IF;
        RETURN NULL;
    END $$""",
    # Row level, behind WHEN clauses that let through only changes a search can see.
    # Updates: a row-level trigger behind a WHEN clause notes the programme in a transaction-local setting,
    # and a statement-level one refreshes all the noted programmes at once when the statement ends (row
    # triggers fire first), so a bulk UPDATE is one set-based refresh and a single UPDATE that changes
    # nothing a search sees costs one function call that finds nothing noted.
    """CREATE OR REPLACE FUNCTION catalogue_search_note_programme() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('catalogue.search_pending',
                           COALESCE(current_setting('catalogue.search_pending', true), '') || ',' || NEW.id, true);
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION catalogue_search_note_offering() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('catalogue.search_pending', COALESCE(current_setting('catalogue.search_pending', true),
                           '') || ',' || OLD.programme_id || ',' || NEW.programme_id, true);
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION catalogue_search_refresh_noted() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        noted text := current_setting('catalogue.search_pending', true);
    BEGIN
        IF noted IS NULL OR noted = '' THEN RETURN NULL; END IF;
        PERFORM set_config('catalogue.search_pending', '', true);
        IF NOT {DEFERRED} THEN
            PERFORM catalogue_search_refresh(string_to_array(substr(noted, 2), ',')::bigint[]);
        END IF;
        RETURN NULL;
    END $$""",
    # Rare and wide (every programme offered at the venue or in the district): never deferred.
    """CREATE OR REPLACE FUNCTION catalogue_search_venue_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM catalogue_search_refresh(ARRAY(SELECT programme_id FROM catalogue_offering WHERE venue_id = NEW.id));
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION catalogue_search_district_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM catalogue_search_refresh(ARRAY(
            SELECT o.programme_id FROM catalogue_offering o JOIN catalogue_venue v ON v.id = o.venue_id
            WHERE v.district_id = NEW.id));
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION catalogue_search_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN TRUNCATE catalogue_search_entry; RETURN NULL; END $$""",
]

TRIGGERS = [
    ("catalogue_programme", "catalogue_search_programme_insert",
     "AFTER INSERT ON catalogue_programme REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT "
     "EXECUTE FUNCTION catalogue_search_changed_programmes()"),
    ("catalogue_programme", "catalogue_search_programme_delete",
     "AFTER DELETE ON catalogue_programme REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT "
     "EXECUTE FUNCTION catalogue_search_changed_programmes()"),
    ("catalogue_programme", "catalogue_search_programme_update",
     "AFTER UPDATE ON catalogue_programme FOR EACH ROW WHEN ("
     "OLD.status IS DISTINCT FROM NEW.status OR OLD.city_id IS DISTINCT FROM NEW.city_id "
     "OR OLD.search_key IS DISTINCT FROM NEW.search_key OR OLD.format IS DISTINCT FROM NEW.format "
     "OR OLD.language IS DISTINCT FROM NEW.language OR (OLD.fee_rials = 0) IS DISTINCT FROM (NEW.fee_rials = 0) "
     "OR OLD.published_at IS DISTINCT FROM NEW.published_at) "
     "EXECUTE FUNCTION catalogue_search_note_programme()"),
    ("catalogue_programme", "catalogue_search_programme_updated",
     "AFTER UPDATE ON catalogue_programme FOR EACH STATEMENT EXECUTE FUNCTION catalogue_search_refresh_noted()"),
    ("catalogue_programme", "catalogue_search_programme_truncate",
     "AFTER TRUNCATE ON catalogue_programme FOR EACH STATEMENT EXECUTE FUNCTION catalogue_search_emptied()"),
    *[
        (table, f"{table}_search_{event.lower()}",
         f"AFTER {event} ON {table} REFERENCING {'NEW' if event == 'INSERT' else 'OLD'} TABLE AS changed_rows "
         "FOR EACH STATEMENT EXECUTE FUNCTION catalogue_search_changed_programme_rows()")
        for table in ("catalogue_programme_domains", "catalogue_programme_life_stages", "catalogue_offering")
        for event in ("INSERT", "DELETE")
    ],
    ("catalogue_offering", "catalogue_offering_search_update",
     "AFTER UPDATE ON catalogue_offering FOR EACH ROW WHEN ("
     "OLD.programme_id IS DISTINCT FROM NEW.programme_id OR OLD.venue_id IS DISTINCT FROM NEW.venue_id "
     "OR OLD.status IS DISTINCT FROM NEW.status OR OLD.starts_on IS DISTINCT FROM NEW.starts_on "
     "OR (OLD.capacity > OLD.confirmed_count + OLD.offered_count) "
     "IS DISTINCT FROM (NEW.capacity > NEW.confirmed_count + NEW.offered_count)) "
     "EXECUTE FUNCTION catalogue_search_note_offering()"),
    ("catalogue_offering", "catalogue_offering_search_updated",
     "AFTER UPDATE ON catalogue_offering FOR EACH STATEMENT EXECUTE FUNCTION catalogue_search_refresh_noted()"),
    ("catalogue_venue", "catalogue_venue_search_update",
     "AFTER UPDATE ON catalogue_venue FOR EACH ROW WHEN (OLD.district_id IS DISTINCT FROM NEW.district_id) "
     "EXECUTE FUNCTION catalogue_search_venue_updated()"),
    ("cities_district", "cities_district_search_update",
     "AFTER UPDATE ON cities_district FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number) "
     "EXECUTE FUNCTION catalogue_search_district_updated()"),
]

POSTGRESQL_FORWARDS = [
    "CREATE SEQUENCE IF NOT EXISTS catalogue_search_entry_changed_seq",
    """CREATE TABLE IF NOT EXISTS catalogue_search_entry (
        programme_id bigint PRIMARY KEY,
        city_id bigint NOT NULL,
        listed boolean NOT NULL,
        changed bigint NOT NULL,
        published_at timestamptz,
        is_free boolean NOT NULL DEFAULT false,
        format varchar(12) NOT NULL DEFAULT '',
        language varchar(8) NOT NULL DEFAULT '',
        domain_ids bigint[] NOT NULL DEFAULT '{}',
        life_stage_ids bigint[] NOT NULL DEFAULT '{}',
        offering_days date[] NOT NULL DEFAULT '{}',
        offering_codes integer[] NOT NULL DEFAULT '{}',
        offering_venues bigint[] NOT NULL DEFAULT '{}',
        district_masks bigint[] NOT NULL DEFAULT '{}',
        seat_masks bigint[] NOT NULL DEFAULT '{}',
        seat_next date[] NOT NULL DEFAULT '{}',
        compact text NOT NULL DEFAULT '',
        search_key text NOT NULL DEFAULT '',
        search_vector tsvector NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS catalogue_search_entry_compact_trgm ON catalogue_search_entry "
    "USING gin (compact gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalogue_search_entry_city ON catalogue_search_entry (city_id) WHERE listed",
    "CREATE INDEX IF NOT EXISTS catalogue_search_entry_changed ON catalogue_search_entry (changed)",
    REFRESH_FUNCTION,
    *TRIGGER_FUNCTIONS,
    *[f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name, _body in TRIGGERS],
    *[f"CREATE TRIGGER {name} {body}" for _table, name, body in TRIGGERS],
    # The programmes published before this migration.
    "SELECT catalogue_search_refresh(ARRAY(SELECT id FROM catalogue_programme WHERE status = 'published'))",
    "ANALYZE catalogue_search_entry",
]
POSTGRESQL_BACKWARDS = [
    *[f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name, _body in TRIGGERS],
    "DROP FUNCTION IF EXISTS catalogue_search_changed_programmes()",
    "DROP FUNCTION IF EXISTS catalogue_search_changed_programme_rows()",
    "DROP FUNCTION IF EXISTS catalogue_search_note_programme()",
    "DROP FUNCTION IF EXISTS catalogue_search_note_offering()",
    "DROP FUNCTION IF EXISTS catalogue_search_refresh_noted()",
    "DROP FUNCTION IF EXISTS catalogue_search_venue_updated()",
    "DROP FUNCTION IF EXISTS catalogue_search_district_updated()",
    "DROP FUNCTION IF EXISTS catalogue_search_emptied()",
    "DROP FUNCTION IF EXISTS catalogue_search_refresh(bigint[])",
    "DROP TABLE IF EXISTS catalogue_search_entry",
    "DROP SEQUENCE IF EXISTS catalogue_search_entry_changed_seq",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_FORWARDS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_programme_search_index")]
    operations = [migrations.RunPython(forwards, backwards)]
