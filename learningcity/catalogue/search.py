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
filters, facet counts, sorting and pagination are ordinary ORM on top.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.db import connection as default_connection
from django.db.models import BooleanField, Expression, F, Field, FloatField, Q, QuerySet, Value
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
    # Whether a search reads the matching ids once and later queries use them (see ProgrammeSearch).
    materialise = False
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

    def among(self, ids: list[int], column: str = "pk"):
        """A filter keeping the rows whose `column` (a programme id) is one of `ids`."""
        return Q(**{f"{column}__in": ids})

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
    materialise = True
    compact_sql = "replace({search_key}, ' ', '')"  # exactly the trigram-indexed expression (migration 0004)
    vector_sql = "{search_vector}"  # to_tsvector('simple', key), a stored generated column (migration 0004)
    position_function = "STRPOS"
    like_suffix = ""  # backslash is PostgreSQL's LIKE escape already; an ESCAPE clause would hide the index

    def among(self, ids: list[int], column: str = "pk"):
        return IdIn("id" if column == "pk" else column, ids)

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
