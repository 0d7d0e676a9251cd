"""Programme search in Persian and English: one interface, an engine per database (architecture 4.5).

Both engines read `Programme.search_key`, the text the services normalise (`normalise_for_search`), and the
query is normalised the same way, so `سواد رسانه ای`, `سواد رسانه‌ای` and `سواد رسانهاي` are one search, and
Persian, Arabic-Indic and Latin digits are one digit.

What matches is the same everywhere: every word of the query (or one of the words joined by `or`) must
appear in the key once its spaces are removed, so a glued word (`کتابخانه`) finds a spaced one
(`کتاب خانه`, `کتاب‌خانه`) and the other way round, and a word finds the words it starts (`هنر` finds
`هنرستان`). `"two words"` in quotes must appear together and `-word` excludes.
- PostgreSQL: that substring test runs on a GIN trigram index over the spaceless key; the matches rank
  with `ts_rank_cd` of `to_tsvector('simple')` over the key (a stored generated column, `search_vector`)
  against `websearch_to_tsquery`, the last word as a prefix. When nothing matches, trigram word similarity
  (`<%`, pg_trgm, GIN trigram index on the key) finds misspelt words and ranks them.
- SQLite: an FTS5 table with the trigram tokenizer over the spaceless key (kept by triggers, migration
  0004) finds the words of three letters or more, ranked by bm25; shorter words are a LIKE on that table.
- Elsewhere: the same substring test without an index.
On every engine the rank also rewards the whole query appearing as typed, and appearing early in the key
(where the title is).

Everything composes as querysets: `matching()` is a filter, `ranked()` adds the `search_rank` alias, so
filters, facet counts, sorting and pagination are ordinary ORM on top (SQLite's search page, the calendar).
On PostgreSQL the search page reads the search table of migration 0005 instead: `FacetedSearch` (at the
end) writes one statement that matches the same way over the table's stored spaceless key, ranks the same
way, counts every filter option and orders the first page.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django import forms
from django.db import connection as default_connection
from django.db.models import BooleanField, Expression, F, Field, FloatField, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from learningcity.core.forms import BootstrapFormMixin
from learningcity.core.jalali import parse_jalali_date, uses_jalali
from learningcity.core.text import fold_digits, normalise_for_search

from .models import Format, Programme, TeachingLanguage

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
FTS_TABLE = "catalogue_programme_search"
_TOKENS = re.compile(r'"([^"]*)"?|(\S+)')
OR_WORDS = frozenset({"or", "یا"})


# --- the query --------------------------------------------------------------------------------------

def _strip_punctuation(word: str) -> str:
    """A word without the punctuation around it (`رسانه،` -> `رسانه`); inner characters stay (`c++`, `e-learning`)."""
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start])[0] == "P":
        start += 1
    while end > start and unicodedata.category(word[end - 1])[0] == "P":
        end -= 1
    return word[start:end]


@dataclass(frozen=True)
class ParsedQuery:
    """A normalised query: AND of clauses, each an OR of spaceless terms, minus excluded terms."""

    text: str = ""
    clauses: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()
    # The positive words as typed (normalised, with their spaces): rewarded when they appear together.
    phrase: str = ""
    # For PostgreSQL's word ranking: the query before its last word, and that word, searched as a prefix.
    prefix_rest: str = ""
    prefix_word: str = ""

    def __bool__(self) -> bool:
        return bool(self.clauses or self.excluded)

    @property
    def compact_phrase(self) -> str:
        return self.phrase.replace(" ", "")

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(term for clause in self.clauses for term in clause)


def parse_query(text: str | None) -> ParsedQuery:
    """Read what a person typed: words, `"phrases"`, `-excluded` words and `or` between alternatives."""
    normalised = normalise_for_search((text or "")[:MAX_QUERY_LENGTH])
    clauses: list[tuple[str, ...]] = []
    excluded: list[str] = []
    phrase_words: list[str] = []
    pending_or = False
    last_plain: tuple[int, str] | None = None  # (start offset, word) of the last token, if a plain word
    for match in _TOKENS.finditer(normalised):
        quoted, word = match.groups()
        last_plain = None
        if word is not None and _strip_punctuation(word) in OR_WORDS:
            pending_or = bool(clauses)
            continue
        negative = word is not None and word.startswith("-") and len(word) > 1
        if quoted is not None:
            words = [_strip_punctuation(part) for part in quoted.split()]
            term_words = [part for part in words if part]
        else:
            stripped = _strip_punctuation(word[1:] if negative else word)
            term_words = [stripped] if stripped else []
        if not term_words:
            continue
        term = "".join(term_words)
        if negative:
            excluded.append(term)
            pending_or = False
            continue
        if pending_or and clauses:
            clauses[-1] = (*clauses[-1], term)
        elif len(clauses) < MAX_TERMS:
            clauses.append((term,))
            if quoted is None:
                last_plain = (match.start(), term_words[0])
        else:
            pending_or = False
            continue
        pending_or = False
        phrase_words.extend(term_words)
    prefix_rest, prefix_word = "", ""
    if last_plain is not None and any(ch.isalnum() for ch in last_plain[1]):
        prefix_rest, prefix_word = normalised[: last_plain[0]].strip(), last_plain[1]
    return ParsedQuery(
        text=normalised, clauses=tuple(clauses), excluded=tuple(excluded[:MAX_TERMS]),
        phrase=" ".join(phrase_words), prefix_rest=prefix_rest, prefix_word=prefix_word,
    )


# --- SQL over the programme's own columns --------------------------------------------------------------

class KeySQL(Expression):
    """SQL over the programme's `{search_key}` and `{id}` columns that stays right inside subqueries.

    (RawSQL would name the table literally, which breaks once Django relabels it as U0 in a subquery.)
    """

    def __init__(self, sql: str, params: Sequence = (), *, output_field):
        super().__init__(output_field=output_field)
        self.sql = sql
        self.params = tuple(params)
        self.columns = [F("search_key"), F("id")]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.sql!r}, {self.params!r})"

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.is_summary = summarize
        clone.columns = [
            column.resolve_expression(query, allow_joins, reuse, summarize, for_save) for column in self.columns
        ]
        return clone

    def as_sql(self, compiler, connection):
        key_sql, key_params = compiler.compile(self.columns[0])
        id_sql, id_params = compiler.compile(self.columns[1])
        if key_params or id_params:  # plain columns never carry parameters
            raise ValueError("KeySQL expects plain columns")
        # The column PostgreSQL derives from the key (migration 0004) sits beside it in the same table.
        quoted_key = connection.ops.quote_name("search_key")
        table_prefix = key_sql[: -len(quoted_key)] if key_sql.endswith(quoted_key) else ""
        sql = (
            self.sql.replace("{search_key}", key_sql).replace("{id}", id_sql)
            .replace("{search_vector}", table_prefix + connection.ops.quote_name("search_vector"))
        )
        return f"({sql})", list(self.params)

    def get_group_by_cols(self):
        return [self]


class IdIn(Expression):
    """`<column> = ANY(<array of ids>)` (PostgreSQL): one parameter however many ids, hashed by the server."""

    conditional = True

    def __init__(self, column: str, ids: Sequence[int]):
        super().__init__(output_field=BooleanField())
        self.column = F(column)
        self.ids = list(ids)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.is_summary = summarize
        clone.column = self.column.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return clone

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.column)
        # One text literal: far cheaper for the driver to send than a list it quotes element by element.
        array = "{" + ",".join(str(int(pk)) for pk in self.ids) + "}"
        return f"{column_sql} = ANY(%s::bigint[])", [*column_params, array]


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _tsquery_literal(word: str) -> str:
    """A word as a quoted to_tsquery operand searched as a prefix: `'word':*`."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "':*"


class SearchEngine:
    """Substring matching over the spaceless key, with no index: the fallback for other databases."""

    vendor = "generic"
    supports_fuzzy = False
    # Whether the database has the search table of migration 0005 (see ProgrammeSearch and FacetedSearch).
    search_table = False
    compact_sql = "REPLACE({search_key}, ' ', '')"
    position_function = "INSTR"  # INSTR(haystack, needle); PostgreSQL calls it STRPOS
    like_suffix = " ESCAPE '\\'"

    def _compact_like(self, parsed: ParsedQuery) -> tuple[str, list]:
        """Every clause has a term in the spaceless key, and no excluded term is in it."""
        parts, params = [], []
        for clause in parsed.clauses:
            parts.append("(" + " OR ".join(f"{self.compact_sql} LIKE %s{self.like_suffix}" for _term in clause) + ")")
            params.extend(_like_pattern(term) for term in clause)
        for term in parsed.excluded:
            parts.append(f"{self.compact_sql} NOT LIKE %s{self.like_suffix}")
            params.append(_like_pattern(term))
        return " AND ".join(parts), params

    def match_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        return self._compact_like(parsed)

    def score_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        """The engine's own relevance in [0, 1)."""
        return "0.0", []

    def bonus_sql(self, parsed: ParsedQuery) -> tuple[str, list]:
        """Rewards the words together as typed, then together once spaces are removed, then early in the key."""
        if not parsed.phrase:
            return "0.0", []
        position = f"{self.position_function}({self.compact_sql}, %s)"
        sql = (
            f"(CASE WHEN {self.position_function}({{search_key}}, %s) > 0 THEN 4.0 ELSE 0.0 END)"
            f" + (CASE WHEN {position} > 0 THEN 2.0 + 50.0 / (50.0 + {position}) ELSE 0.0 END)"
        )
        return sql, [parsed.phrase, parsed.compact_phrase, parsed.compact_phrase]

    def match(self, parsed: ParsedQuery, *, fuzzy: bool = False) -> KeySQL:
        sql, params = self.match_sql(parsed, fuzzy=fuzzy)
        return KeySQL(sql, params, output_field=BooleanField())

    def rank(self, parsed: ParsedQuery, *, fuzzy: bool = False) -> KeySQL:
        bonus, bonus_params = self.bonus_sql(parsed)
        score, score_params = self.score_sql(parsed, fuzzy=fuzzy)
        return KeySQL(f"{bonus} + {score}", [*bonus_params, *score_params], output_field=FloatField())


class PostgresSearchEngine(SearchEngine):
    """tsvector words and ranks, trigram substrings for glued forms, trigram similarity for misspellings."""

    vendor = "postgresql"
    supports_fuzzy = True
    search_table = True
    compact_sql = "replace({search_key}, ' ', '')"  # exactly the trigram-indexed expression (migration 0004)
    vector_sql = "{search_vector}"  # to_tsvector('simple', key), a stored generated column (migration 0004)
    position_function = "STRPOS"
    like_suffix = ""  # backslash is PostgreSQL's LIKE escape already; an ESCAPE clause would hide the index

    @staticmethod
    def tsquery_sql(parsed: ParsedQuery) -> tuple[str, list]:
        if parsed.prefix_word:
            prefix = "to_tsquery('simple'::regconfig, %s)"
            if parsed.prefix_rest:
                return f"(websearch_to_tsquery('simple'::regconfig, %s) && {prefix})", [
                    parsed.prefix_rest, _tsquery_literal(parsed.prefix_word)]
            return prefix, [_tsquery_literal(parsed.prefix_word)]
        return "websearch_to_tsquery('simple'::regconfig, %s)", [parsed.text]

    def match_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        if fuzzy:
            return "%s <%% {search_key}", [parsed.phrase or parsed.text]
        # Only the trigram test: it finds every whole-word (tsvector) match too, and an OR of the two
        # index conditions makes PostgreSQL give up both indexes for a sequential scan.
        return self._compact_like(parsed)

    def score_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        if fuzzy:
            return "word_similarity(%s, {search_key})", [parsed.phrase or parsed.text]
        if not parsed.clauses:
            return "0.0", []
        tsquery, params = self.tsquery_sql(parsed)
        # Normalisation 32 scales the rank into [0, 1).
        return f"ts_rank_cd({self.vector_sql}, {tsquery}, 32)", params


class SqliteSearchEngine(SearchEngine):
    """FTS5 (trigram tokenizer) over the spaceless key; bm25 ranks; words under three letters use LIKE."""

    vendor = "sqlite"

    @staticmethod
    def _fts_term(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    def _fts_parts(self, parsed: ParsedQuery) -> tuple[str, list[str], list]:
        """The FTS5 MATCH text for clauses whose terms all have three letters or more; LIKEs for the rest."""
        match_clauses, likes, like_params = [], [], []
        for clause in parsed.clauses:
            if all(len(term) >= 3 for term in clause):
                match_clauses.append("(" + " OR ".join(self._fts_term(term) for term in clause) + ")")
            else:
                likes.append("(" + " OR ".join("compact LIKE %s ESCAPE '\\'" for _term in clause) + ")")
                like_params.extend(_like_pattern(term) for term in clause)
        for term in parsed.excluded:
            likes.append("compact NOT LIKE %s ESCAPE '\\'")
            like_params.append(_like_pattern(term))
        return " AND ".join(match_clauses), likes, like_params

    def match_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        match_text, likes, like_params = self._fts_parts(parsed)
        conditions, params = [], []
        if match_text:
            conditions.append(f"{FTS_TABLE} MATCH %s")
            params.append(match_text)
        conditions.extend(likes)
        params.extend(like_params)
        # Only fixed SQL fragments are joined here; every value the person typed is a parameter.
        return f"{{id}} IN (SELECT rowid FROM {FTS_TABLE} WHERE {' AND '.join(conditions)})", params  # noqa: S608

    def score_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        match_text, _likes, _params = self._fts_parts(parsed)
        if not match_text:
            return "0.0", []
        # bm25 is negative, better when lower: -bm25 / (1 - bm25) maps it into [0, 1).
        best = f"(SELECT -bm25({FTS_TABLE}) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid = {{id}})"  # noqa: S608
        return f"(1.0 - 1.0 / (1.0 + COALESCE({best}, 0.0)))", [match_text]


_ENGINES = {"postgresql": PostgresSearchEngine(), "sqlite": SqliteSearchEngine()}


def engine_for(connection=None) -> SearchEngine:
    return _ENGINES.get((connection or default_connection).vendor, SearchEngine())


def matching(queryset: QuerySet, query: "str | ParsedQuery", *, fuzzy: bool = False) -> QuerySet:
    """`queryset` (of programmes) narrowed to those the query finds; unchanged for an empty query."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    if not parsed:
        return queryset
    return queryset.filter(engine_for().match(parsed, fuzzy=fuzzy))


def ranked(queryset: QuerySet, query: "str | ParsedQuery", *, fuzzy: bool = False) -> QuerySet:
    """`queryset` with a `search_rank` alias (higher is better) to order by; 0 for an empty query."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    if not parsed:
        return queryset.alias(search_rank=Value(0.0, output_field=FloatField()))
    return queryset.alias(search_rank=engine_for().rank(parsed, fuzzy=fuzzy))


def supports_fuzzy() -> bool:
    return engine_for().supports_fuzzy


def domain_ids_of_programme() -> KeySQL:
    """The ids of a programme's learning domains in one column, for result cards without a further query:
    a list on PostgreSQL, a comma-separated string elsewhere."""
    table = Programme.domains.through._meta.db_table
    if default_connection.vendor == "postgresql":
        sql = f"ARRAY(SELECT learningdomain_id FROM {table} WHERE programme_id = {{id}})"  # noqa: S608
    else:
        sql = f"SELECT group_concat(learningdomain_id) FROM {table} WHERE programme_id = {{id}}"  # noqa: S608
    return KeySQL(sql, output_field=Field())


# --- what people type into the search form (and the API's query string) ---------------------------------

# The life stages of the "for whom" filter (Audience rows of kind life_stage, seeded by migration 0003), in
# their order, named through the translations so listing them needs no query.
LIFE_STAGES = [
    ("children", _("Children")),
    ("teenagers", _("Teenagers")),
    ("youth", _("Youth")),
    ("adults", _("Adults")),
    ("seniors", _("Seniors")),
]

class Sort:
    RELEVANCE = "relevance"
    SOONEST = "soonest"
    NEAREST = "nearest"
    NEWEST = "newest"
    CHOICES = [
        (RELEVANCE, _("Best match")),
        (SOONEST, _("Starting soonest")),
        (NEAREST, _("Nearest to a district")),
        (NEWEST, _("Newest")),
    ]


def parse_day(text: str, *, iso_only: bool = False) -> dt.date:
    """A day typed as Jalali `1405/09/01` or Gregorian `2026-11-22`, in any digits; the year tells which.

    Raises ValueError for anything else (and, with `iso_only`, for anything but `YYYY-MM-DD`).
    """
    folded = fold_digits(text or "").strip()
    if iso_only:
        return dt.date.fromisoformat(folded)
    match = re.match(r"^(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})$", folded)
    if not match:
        raise ValueError("not a date")
    year, month, day = (int(part) for part in match.groups())
    if year >= 1700:
        return dt.date(year, month, day)
    return parse_jalali_date(folded)


class DayField(forms.CharField):
    """A day in Jalali or Gregorian, any digits; cleaned to a Gregorian `date` (or None when empty)."""

    def __init__(self, *, iso_only: bool = False, **kwargs):
        self.iso_only = iso_only
        attrs = {"dir": "ltr", "class": "input-ltr", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__(required=False, max_length=20, widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_day(value, iso_only=self.iso_only)
        except (ValueError, OverflowError):
            if self.iso_only:
                raise forms.ValidationError(_("Give a date as YYYY-MM-DD."), code="invalid_date") from None
            raise forms.ValidationError(
                _("Give a date as year/month/day, for example 1405/09/01."), code="invalid_date"
            ) from None


class ProgrammeSearchForm(BootstrapFormMixin, forms.Form):
    """The programme search box, filters and sort order; every value is optional and kept in the URL.

    Domains come from the city's tree (passed in); districts are checked for their shape here and against
    the city's list once the search has it (`reject`).
    """

    q = forms.CharField(
        label=_("Search learning opportunities"), required=False, max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    domain = forms.ChoiceField(label=_("Learning domain"), required=False)
    district = forms.IntegerField(label=_("District"), required=False, min_value=1, max_value=32767,
                                  widget=forms.Select)
    life_stage = forms.ChoiceField(label=_("Life stage"), required=False, choices=[("", _("Everyone")), *LIFE_STAGES],
                                   error_messages={"invalid_choice": _("There is no such life stage.")})
    format = forms.ChoiceField(label=_("Format"), required=False, choices=[("", _("Any format")), *Format.choices])
    language = forms.ChoiceField(label=_("Language of teaching"), required=False,
                                 choices=[("", _("Any language")), *TeachingLanguage.choices])
    free = forms.BooleanField(label=_("Free only"), required=False)
    has_seats = forms.BooleanField(label=_("Seats left"), required=False)
    starts_after = DayField(label=_("Starting from"))
    starts_before = DayField(label=_("Starting by"))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=Sort.CHOICES)
    near = forms.IntegerField(label=_("Near district"), required=False, min_value=1, max_value=32767,
                              widget=forms.Select)

    FILTERS = ("q", "domain", "district", "life_stage", "format", "language", "free", "has_seats",
               "starts_after", "starts_before")

    def __init__(self, *args, domain_choices=(), iso_dates: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", _("All domains")), *domain_choices]
        if iso_dates:
            for name in ("starts_after", "starts_before"):
                self.fields[name] = DayField(label=self.fields[name].label, iso_only=True)
        for name in ("starts_after", "starts_before"):
            self.fields[name].widget.attrs["placeholder"] = (
                "1405/09/01" if uses_jalali() and not iso_dates else "YYYY-MM-DD")
        self.style_fields()

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("starts_after"), cleaned.get("starts_before")
        if after and before and after > before:
            self.add_error("starts_before", _("The last start date is before the first one."))
        return cleaned

    def value_of(self, name: str):
        """The cleaned value of a field, or its empty value when it was not valid."""
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None

    def reject(self, name: str, message) -> None:
        """Mark a value the city does not have (e.g. an unknown district) and drop it from the search."""
        self.add_error(name, message)

    @property
    def has_filters(self) -> bool:
        return any(self.value_of(name) for name in self.FILTERS)


# --- PostgreSQL: one statement over the search table (migration 0005) ---------------------------------------

ENTRY_TABLE = "catalogue_search_entry"
# District numbers 0..61 have a bit of their own in the table's masks (bit 0: an offering without a district).
MASKED_DISTRICTS = range(0, 62)


class PostgresEntryEngine(PostgresSearchEngine):
    """The PostgreSQL engine over a row of the search table: its columns `compact` (the spaceless key,
    stored, so no replace() per row), `search_key` and `search_vector`."""

    compact_sql = "compact"

    def bonus_sql(self, parsed: ParsedQuery) -> tuple[str, list]:
        # The generic engine's reward, with the position searched once (NULLIF instead of CASE).
        if not parsed.phrase:
            return "0.0", []
        sql = ("(CASE WHEN STRPOS(search_key, %s) > 0 THEN 4.0 ELSE 0.0 END)"
               " + COALESCE(2.0 + 50.0 / (50.0 + NULLIF(STRPOS(compact, %s), 0)), 0.0)")
        return sql, [parsed.phrase, parsed.compact_phrase]

    def match_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        if fuzzy:  # the programme table's trigram index on the key finds similar words
            return "e.programme_id IN (SELECT p.id FROM catalogue_programme p WHERE %s <%% p.search_key)", [
                parsed.phrase or parsed.text]
        return self._compact_like(parsed)

    def rank_sql(self, parsed: ParsedQuery, *, fuzzy: bool) -> tuple[str, list]:
        bonus, bonus_params = self.bonus_sql(parsed)
        score, score_params = self.score_sql(parsed, fuzzy=fuzzy)
        sql = f"({bonus} + {score})".replace("{search_key}", "search_key").replace("{search_vector}", "search_vector")
        return sql, [*bonus_params, *score_params]


@dataclass(frozen=True)
class OfferingTest:
    """An upcoming-offering condition: some scheduled offering from `after` (at least today) to `before`, in
    district `district` (a number) if given, with a seat left if `seats`, for one programme."""

    district: int | None = None
    after: dt.date | None = None
    before: dt.date | None = None
    seats: bool = False


def _bit(number: int) -> int:
    return 1 << (number + 1)


class EntrySQL:
    """SQL over one row `e` of the search table about its upcoming offerings on a given day.

    The row's offerings are in date order, so those from a day on are a suffix, found by binary search
    (`width_bucket`); the masks stored for each suffix then answer "an offering in district n / with a seat
    left" with one subscript. A last day (`starts_before`) is checked on the first offering that qualifies
    (`array_position` from the suffix's start), which is the earliest.
    """

    def __init__(self, today: dt.date):
        self.today = today

    def first(self, test: OfferingTest) -> tuple[str, list]:
        """The position of the first offering on or after the window's first day (beyond the end when none)."""
        start = max(self.today, test.after or self.today)
        return "(width_bucket(%s::date, e.offering_days) + 1)", [start - dt.timedelta(days=1)]

    def last(self, test: OfferingTest) -> tuple[str, list]:
        if test.before is None:
            return "", []
        return "width_bucket(%s::date, e.offering_days)", [test.before]

    @staticmethod
    def by_masks(test: OfferingTest) -> bool:
        return test.before is None and (test.district is None or test.district in MASKED_DISTRICTS)

    def meets(self, test: OfferingTest) -> tuple[str, list]:
        """Whether one of the programme's upcoming offerings meets `test`."""
        if self.by_masks(test):
            first, params = self.first(test)
            mask = f"e.{'seat_masks' if test.seats else 'district_masks'}[{first}]"
            if test.district is None:
                return f"({mask} <> 0)", params
            return f"(({mask} & %s::bigint) <> 0)", [*params, _bit(test.district)]
        sql, params = self.next_start(test)
        return f"({sql} IS NOT NULL)", params

    def next_start(self, test: OfferingTest) -> tuple[str, list]:
        """The first day of the first upcoming offering that meets `test` (NULL when none)."""
        first, params = self.first(test)
        if test.district is None:
            day = f"e.{'seat_next' if test.seats else 'offering_days'}[{first}]"
        else:
            slot = test.district + 1  # codes are (district number + 1, 0 for none) * 2 + seat left
            codes = [slot * 2 + 1] if test.seats else [slot * 2, slot * 2 + 1]
            positions = ", ".join(f"array_position(e.offering_codes, %s, {first})" for _code in codes)
            day = f"e.offering_days[LEAST({positions})]"
            params = [p for code in codes for p in (code, *params)]
        if test.before is None:
            return day, params
        return f"(CASE WHEN {day} <= %s::date THEN {day} END)", [*params, test.before, *params]

    def venues(self, test: OfferingTest) -> tuple[str, list]:
        """The venues of the upcoming offerings in the window (all of them: see `venue_test`)."""
        first, first_params = self.first(test)
        last, last_params = self.last(test)
        return f"e.offering_venues[{first}:{last}]", [*first_params, *last_params]

    def codes(self, test: OfferingTest) -> tuple[str, list]:
        first, first_params = self.first(test)
        last, last_params = self.last(test)
        return f"e.offering_codes[{first}:{last}]", [*first_params, *last_params]

    @staticmethod
    def code_test(test: OfferingTest, column: str) -> tuple[str, list]:
        """A condition on one offering's code (`(district number + 1) * 2 + seat left`): district and seat."""
        parts, params = [], []
        if test.district is not None:
            parts.append(f"{column} / 2 = %s")
            params.append(test.district + 1)
        if test.seats:
            parts.append(f"{column} %% 2 = 1")
        return " AND ".join(parts) or "TRUE", params

    def districts_key(self, test: OfferingTest) -> tuple[str, list]:
        """The bits of the districts where an upcoming offering meets `test` but its district (masks only)."""
        first, params = self.first(test)
        return f"e.{'seat_masks' if test.seats else 'district_masks'}[{first}]", params


def table_version(cursor) -> int:
    """A number every change to the search table moves (its rows' highest change number; tombstones keep
    it moving when rows stop being listed), read in the caller's snapshot."""
    cursor.execute(f"SELECT COALESCE(max(changed), 0) FROM {ENTRY_TABLE}")  # noqa: S608
    return cursor.fetchone()[0]


@dataclass
class FacetRows:
    """What one statement over the search table found: groups to count the filters' options from, and the
    first results in order."""

    groups: list[dict] = field(default_factory=list)  # format, language, is_free, each flag, n
    domain_groups: list[tuple[tuple[int, ...], int]] = field(default_factory=list)  # (domain ids, n)
    life_stages: dict[str, int] = field(default_factory=dict)  # audience code -> n
    districts: dict[int, int] = field(default_factory=dict)  # district number -> n
    venue_ids: list[int] = field(default_factory=list)
    ordered_ids: list[int] = field(default_factory=list)
    all_ids: list[int] | None = None


@dataclass
class FacetedSearch:
    """One search as a single PostgreSQL statement over the search table.

    The matches are read once (trigram index on the spaceless key) into a materialised CTE `m` with, per
    programme, its facet columns, a yes/no column per filter that needs more than a column (`flags`) and
    its sort key (the rank, only for those that pass every filter: ranking is the dearest part). One
    GROUP BY GROUPING SETS over `m` then gives the groups every count is a sum of, and ORDER BY ... LIMIT
    the first results. The conditions on `m` (`where_*`) are the caller's, over `format`, `language`,
    `is_free` and the flags' aliases.
    """

    city_id: int
    parsed: ParsedQuery
    fuzzy: bool
    today: dt.date
    flags: dict[str, tuple[str, list]]  # alias -> SQL over `e` (see `domain_sql`, `life_stage_sql`, `meets`)
    where_all: tuple[str, list]  # the filters themselves
    where_domains: tuple[str, list]  # every filter but the domain
    where_life_stages: tuple[str, list]  # every filter but the life stage
    where_districts: tuple[str, list]  # every filter not about offerings
    offerings: OfferingTest  # the offering filters (district, dates, seats)
    district_numbers: Sequence[int] = ()  # the city's districts, to count
    order: str = "soonest"  # relevance, soonest or newest
    limit: int = 20
    offset: int = 0
    with_all_ids: bool = False
    only_order: bool = False  # just the ordered ids (another page, another order)

    engine = PostgresEntryEngine()

    @staticmethod
    def domain_sql(ids: Sequence[int]) -> tuple[str, list]:
        return "(e.domain_ids && %s::bigint[])", [list(ids)]

    @staticmethod
    def life_stage_sql(code: str) -> tuple[str, list]:
        return "(e.life_stage_ids && ARRAY(SELECT a.id FROM catalogue_audience a WHERE a.code = %s))", [code]

    @property
    def _districts_by_key(self) -> bool:
        return EntrySQL.by_masks(replace(self.offerings, district=None)) and all(
            n in MASKED_DISTRICTS for n in self.district_numbers)

    @property
    def _venues_need_codes(self) -> bool:
        return self.offerings.district is not None or self.offerings.seats

    def _cte(self) -> tuple[str, list]:
        """`m`: the inner query reads the table and computes the flags; the outer one adds what depends on
        them (the sort key of the programmes that pass) and on the offerings."""
        rows = EntrySQL(self.today)
        test = self.offerings
        outer = ["e.programme_id AS id", "e.format", "e.language", "e.is_free", "e.published_at", *self.flags]
        params: list = []
        if not self.only_order:
            outer += ["e.domain_ids", "e.life_stage_ids"]
            without_district = replace(test, district=None)
            if self._districts_by_key:
                key, key_params = rows.districts_key(without_district)
                outer.append(f"COALESCE({key}, 0) AS district_key")
                params += key_params
            else:
                for number in self.district_numbers:
                    sql, test_params = rows.meets(replace(without_district, district=number))
                    outer.append(f"{sql} AS district_{number}")
                    params += test_params
            venues, venue_params = rows.venues(test)
            outer.append(f"{venues} AS venues")
            params += venue_params
            if self._venues_need_codes:
                codes, code_params = rows.codes(test)
                outer.append(f"{codes} AS codes")
                params += code_params
        where_all, all_params = self.where_all
        if self.order == "relevance" and self.parsed:
            sort_sql, sort_params = self.engine.rank_sql(self.parsed, fuzzy=self.fuzzy)
        elif self.order == "soonest":
            sort_sql, sort_params = rows.next_start(test)
        else:
            sort_sql, sort_params = "NULL::float", []
        outer.append(f"CASE WHEN {where_all} THEN {sort_sql} END AS sort_key")
        params += [*all_params, *sort_params]
        inner = ["e.*"]
        for alias, (sql, flag_params) in self.flags.items():
            inner.append(f"{sql} AS {alias}")
            params += flag_params
        conditions = ["e.city_id = %s", "e.listed"]
        params.append(self.city_id)
        if self.parsed:
            match, match_params = self.engine.match_sql(self.parsed, fuzzy=self.fuzzy)
            conditions.append(match)
            params += match_params
        sql = (f"WITH m AS MATERIALIZED (SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} "  # noqa: S608
               f"FROM {ENTRY_TABLE} e WHERE {' AND '.join(conditions)}) e)")
        return sql, params

    def statement(self) -> tuple[str, list]:
        """The SQL and its parameters. Columns: kind, label, format, language, is_free, flags, ids, n."""
        cte, params = self._cte()
        where_all, all_params = self.where_all
        order = {
            "relevance": "sort_key DESC, published_at DESC, id DESC",
            "soonest": "sort_key ASC NULLS LAST, published_at DESC, id DESC",
        }.get(self.order if self.parsed or self.order != "relevance" else "soonest", "published_at DESC, id DESC")
        blank = "NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::boolean[]"
        branches = [(
            f"SELECT 'r', {blank}, (SELECT array_agg(id) FROM (SELECT id FROM m WHERE {where_all} "  # noqa: S608
            f"ORDER BY {order} LIMIT %s OFFSET %s) t), NULL::bigint",
            [*all_params, self.limit, self.offset])]
        if self.with_all_ids:
            branches.append((f"SELECT 'a', {blank}, (SELECT array_agg(id) FROM m WHERE {where_all}), NULL",  # noqa: S608
                             all_params))
        if not self.only_order:
            branches += [self._groups(), self._venues(),
                         ("SELECT 'l', code, NULL, NULL, NULL, NULL, ARRAY[id], NULL FROM catalogue_audience", [])]
            if not self._districts_by_key and self.district_numbers:
                where_districts, district_params = self.where_districts
                counts = ", ".join(f"count(*) FILTER (WHERE district_{n})" for n in self.district_numbers)
                branches.append((f"SELECT 'y', NULL, NULL, NULL, NULL, NULL, ARRAY[{counts}], NULL FROM m "  # noqa: S608
                                 f"WHERE {where_districts}", district_params))
        sql = cte + "\n" + "\nUNION ALL ".join(branch for branch, _params in branches)
        return sql, [*params, *(p for _branch, branch_params in branches for p in branch_params)]

    def _groups(self) -> tuple[str, list]:
        """One pass over `m` for four groupings: by format, language, free and the flags (the single-valued
        counts); by domain ids, by life-stage ids and by district bits, each with whether the programmes
        pass every other filter (the counts of those filters' options)."""
        flags = list(self.flags)
        sets = [f"(format, language, is_free{''.join(', ' + f for f in flags)})"]
        kinds, ids, passes, set_params, passes_params = ["WHEN GROUPING(format) = 0 THEN 'g'"], [], [], [], []
        groupings = [("d", "domain_ids", self.where_domains), ("s", "life_stage_ids", self.where_life_stages)]
        if self._districts_by_key:
            groupings.append(("x", "ARRAY[district_key]", self.where_districts))
        for kind, column, (condition, condition_params) in groupings:
            key = "district_key" if kind == "x" else column
            # A constant cannot be grouped by: a condition that is always true is no grouping column.
            sets.append(f"({key})" if condition == "TRUE" else f"({key}, ({condition}))")
            set_params += [] if condition == "TRUE" else condition_params
            kinds.append(f"WHEN GROUPING({key}) = 0 THEN '{kind}'")
            ids.append(f"WHEN GROUPING({key}) = 0 THEN {column}")
            passes.append(f"WHEN GROUPING({key}) = 0 THEN ARRAY[({condition})]")
            passes_params += condition_params
        flags_sql = f"ARRAY[{', '.join(flags)}]::boolean[]" if flags else "ARRAY[]::boolean[]"
        sql = (f"SELECT CASE {' '.join(kinds)} END, NULL, format, language, is_free, "  # noqa: S608
               f"CASE WHEN GROUPING(format) = 0 THEN {flags_sql} {' '.join(passes)} END, "
               f"CASE {' '.join(ids)} END, count(*) FROM m GROUP BY GROUPING SETS ({', '.join(sets)})")
        return sql, [*passes_params, *set_params]

    def _venues(self) -> tuple[str, list]:
        """The venues of the results' upcoming offerings that meet the offering filters, for the map."""
        where_all, all_params = self.where_all
        if not self._venues_need_codes:
            return (f"SELECT 'v', NULL, NULL, NULL, NULL, NULL, (SELECT array_agg(v) FROM (SELECT DISTINCT "  # noqa: S608
                    f"unnest(venues) AS v FROM m WHERE {where_all}) t WHERE v <> 0), NULL", all_params)
        condition, condition_params = EntrySQL.code_test(self.offerings, "o.c")
        return (f"SELECT 'v', NULL, NULL, NULL, NULL, NULL, (SELECT array_agg(DISTINCT o.v) FROM m, "  # noqa: S608
                f"unnest(m.venues, m.codes) o(v, c) WHERE {where_all} AND o.v <> 0 AND {condition}), NULL",
                [*all_params, *condition_params])

    def run(self, cursor, statement: tuple[str, list] | None = None) -> FacetRows:
        sql, params = statement or self.statement()
        cursor.execute(sql, params)
        found = FacetRows()
        flags = list(self.flags)
        audiences: dict[int, str] = {}
        stage_groups: list[tuple[list[int], int]] = []
        for kind, label, format_, language, is_free, flag_values, ids, n in cursor.fetchall():
            if kind == "r":
                found.ordered_ids = list(ids or [])
            elif kind == "a":
                found.all_ids = list(ids or [])
            elif kind == "g":
                found.groups.append({"format": format_, "language": language, "_free": is_free,
                                     **dict(zip(flags, flag_values, strict=True)), "n": n})
            elif kind == "d" and flag_values[0]:
                found.domain_groups.append((tuple(ids), n))
            elif kind == "s" and flag_values[0]:
                stage_groups.append((ids, n))
            elif kind == "l":
                audiences[ids[0]] = label
            elif kind == "v":
                found.venue_ids = sorted(ids or [])
            elif kind == "x" and flag_values[0]:
                for number in self.district_numbers:
                    if ids[0] & _bit(number):
                        found.districts[number] = found.districts.get(number, 0) + n
            elif kind == "y":
                found.districts = dict(zip(self.district_numbers, ids, strict=True))
        for ids, n in stage_groups:
            for pk in ids:
                if pk in audiences:
                    found.life_stages[audiences[pk]] = found.life_stages.get(audiences[pk], 0) + n
        return found


def defer_search_entries(cursor) -> None:
    """For bulk loaders (PostgreSQL): until the transaction ends, writes leave the search table alone. Before
    it ends, call `refresh_search_entries` with every programme written (one set-based pass for them all)."""
    cursor.execute("SELECT set_config('catalogue.search_deferred', 'on', true)")


def refresh_search_entries(cursor, programme_ids: Sequence[int]) -> None:
    """Bring the search table's rows of these programmes up to date (and stop deferring, if it was)."""
    cursor.execute("SELECT set_config('catalogue.search_deferred', 'off', true)")
    cursor.execute("SELECT catalogue_search_refresh(%s::bigint[])", [[int(pk) for pk in programme_ids]])
