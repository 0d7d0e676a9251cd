"""Programme search in every spelling a reader might type, on both engines (SQLite FTS5, PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learningcity.catalogue import search
from learningcity.catalogue.models import Programme, ProgrammeStatus
from learningcity.catalogue.selectors import ProgrammeFilters, ProgrammeSearch, programmes_public
from learningcity.core.text import normalise_for_search

from .test_search_support import ON_POSTGRES, listed, make_offering, make_programme

pytestmark = pytest.mark.django_db

SPELLINGS = ["سواد رسانه ای", "سواد رسانه\u200cای", "سواد رسانهاي"]  # space, ZWNJ, glued with Arabic yeh


@pytest.fixture
def media(city):
    """A programme about media literacy, one that mentions both words apart, and one about cooking."""
    return {
        "best": make_programme(city, "سواد رسانه\u200cای برای والدین", title_en="Media literacy for parents"),
        "apart": make_programme(city, "سواد مالی خانواده", title_en="Family finances",
                                description_fa="بودجه خانه و نقش تبلیغات رسانه\u200cای در خرید"),
        "other": make_programme(city, "آشپزی سنتی کرمانشاه", title_en="Traditional cooking"),
    }


@pytest.mark.parametrize("query", SPELLINGS)
def test_the_three_spellings_of_media_literacy_find_the_same_programmes_best_match_first(client, media, query):
    found = listed(client.get("/fa/programmes/", {"q": query}))
    assert set(found) == {media["best"].pk, media["apart"].pk}
    assert found[0] == media["best"].pk


def test_the_selector_ranks_the_same_for_every_spelling(city, media):
    orders = []
    for query in SPELLINGS:
        found = ProgrammeSearch(city=city, filters=ProgrammeFilters(query=query))
        orders.append([p.pk for p in found.results(sort=search.Sort.RELEVANCE)])
    assert orders[0] == orders[1] == orders[2] == [media["best"].pk, media["apart"].pk]


def test_arabic_kaf_and_yeh_in_the_query_find_persian_text_and_the_other_way_round(client, city):
    persian = make_programme(city, "کتابخانه عمومی محله")
    arabic = make_programme(city, "كتابخوانی كودكان در مسجد")  # typed with Arabic kaf
    assert listed(client.get("/fa/programmes/", {"q": "كتابخانه عمومي"})) == [persian.pk]
    assert listed(client.get("/fa/programmes/", {"q": "کتابخوانی کودکان"})) == [arabic.pk]


@pytest.mark.parametrize("digits", ["1405", "۱۴۰۵", "١٤٠٥"])
def test_persian_arabic_indic_and_latin_digits_are_one_digit(client, city, digits):
    this_year = make_programme(city, "آمادگی کنکور ۱۴۰۵")
    make_programme(city, "آمادگی کنکور 1404")
    assert listed(client.get("/fa/programmes/", {"q": f"کنکور {digits}"})) == [this_year.pk]


@pytest.mark.parametrize("digits", ["12", "۱۲", "١٢"])
def test_short_numbers_match_in_any_digits(client, city, digits):
    twelve = make_programme(city, "هنرستان شماره ۱۲", title_en="Technical school 12")
    make_programme(city, "هنرستان شماره ۳", title_en="Technical school 3")
    assert listed(client.get("/fa/programmes/", {"q": f"هنرستان {digits}"})) == [twelve.pk]
    assert listed(client.get("/fa/programmes/", {"q": digits})) == [twelve.pk]


def test_english_queries_ignore_case_and_word_order(client, media):
    assert listed(client.get("/en/programmes/", {"q": "MEDIA Literacy"})) == [media["best"].pk]
    assert listed(client.get("/en/programmes/", {"q": "literacy media"})) == [media["best"].pk]
    assert listed(client.get("/en/programmes/", {"q": "cooking"})) == [media["other"].pk]


@pytest.mark.parametrize("query", ["کتابخانه", "کتاب خانه", "کتاب\u200cخانه"])
@pytest.mark.parametrize("title", ["کتابخانه کودک", "کتاب خانه کودک", "کتاب\u200cخانه کودک"])
def test_glued_spaced_and_zwnj_forms_find_each_other(client, city, query, title):
    library = make_programme(city, title)
    make_programme(city, "خانه فرهنگ محله")  # has خانه, but not کتاب
    assert listed(client.get("/fa/programmes/", {"q": query})) == [library.pk]


def test_a_word_being_typed_finds_the_words_it_starts(client, city):
    school = make_programme(city, "هنرستان فنی و حرفه\u200cای")
    make_programme(city, "باغبانی شهری")
    assert listed(client.get("/fa/programmes/", {"q": "هنرس"})) == [school.pk]


def test_excluded_words_alternatives_and_quoted_phrases(client, media):
    assert listed(client.get("/fa/programmes/", {"q": "سواد -مالی"})) == [media["best"].pk]
    assert set(listed(client.get("/fa/programmes/", {"q": "آشپزی or والدین"}))) == {
        media["best"].pk, media["other"].pk}
    assert listed(client.get("/fa/programmes/", {"q": '"سواد رسانه"'})) == [media["best"].pk]


@pytest.mark.skipif(not ON_POSTGRES, reason="similar-word matching (pg_trgm) is PostgreSQL's; SQLite has no "
                                            "trigram similarity")
def test_a_misspelt_query_still_finds_the_programme_and_says_so(client, media):
    response = client.get("/en/programmes/", {"q": "سواد رسنه"})  # رسانه without its alef
    assert listed(response)[0] == media["best"].pk
    assert "similar words" in response.content.decode()


def test_without_a_match_the_page_says_so_and_offers_everything(client, media):
    response = client.get("/en/programmes/", {"q": "zzqqxx"})
    assert listed(response) == []
    assert "No learning opportunity matches your search." in response.content.decode()


def test_only_published_programmes_of_the_city_are_searchable(client, city, other_city):
    published = make_programme(city, "سفالگری مقدماتی")
    for status in (ProgrammeStatus.DRAFT, ProgrammeStatus.SUBMITTED, ProgrammeStatus.RETURNED,
                   ProgrammeStatus.ARCHIVED):
        make_programme(city, f"سفالگری {status}", status=status)
    hamedan = make_programme(other_city, "سفالگری همدان")
    assert listed(client.get("/fa/programmes/", {"q": "سفالگری"})) == [published.pk]
    assert listed(client.get("/fa/programmes/")) == [published.pk]
    assert listed(client.get("/fa/programmes/", {"q": "سفالگری"}, HTTP_HOST="hamedan.example.org")) == [hamedan.pk]


def test_html_in_a_query_is_shown_as_text(client, media):
    response = client.get("/fa/programmes/", {"q": "<script>alert(1)</script>"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_odd_characters_in_a_query_are_searched_never_a_500(client, media):
    for query in ["100%", "a_b", "'; DROP TABLE x; --", '"', "-", "or", "\\", "سواد\u0640\u064b", "؟!،"]:
        assert client.get("/fa/programmes/", {"q": query}).status_code == 200


def test_the_search_composes_inside_subqueries(city, media):
    """The match is written over relabelled columns, so it stays right when Django nests the queryset."""
    matched = search.matching(programmes_public(city=city), "سواد رسانه ای")
    nested = Programme.objects.filter(pk__in=matched.values("pk"))
    assert set(nested.values_list("pk", flat=True)) == {media["best"].pk, media["apart"].pk}
    ranked = search.ranked(matched, "سواد رسانه ای").order_by("-search_rank")
    assert ranked.first() == media["best"]


def test_the_index_follows_changes_to_the_search_key(city):
    programme = make_programme(city, "نجوم برای نوجوانان")
    assert list(search.matching(programmes_public(city=city), "نجوم")) == [programme]
    Programme.objects.filter(pk=programme.pk).update(search_key=normalise_for_search("رصد آسمان شب"))
    assert list(search.matching(programmes_public(city=city), "نجوم")) == []
    assert list(search.matching(programmes_public(city=city), "آسمان")) == [programme]
    programme.delete()
    assert list(search.matching(programmes_public(city=city), "آسمان")) == []


def test_each_database_has_its_engine():
    assert search.engine_for().vendor == connection.vendor


def test_the_query_reader_keeps_words_phrases_exclusions_and_alternatives():
    parsed = search.parse_query('كتاب،  "سواد رسانه" -مالی آشپزی یا نانوایی')
    assert parsed.clauses == (("کتاب",), ("سوادرسانه",), ("اشپزی", "نانوایی"))
    assert parsed.excluded == ("مالی",)
    assert not search.parse_query("  ؟ ")
    assert search.parse_query("سواد رسانهاي").prefix_word == "رسانهای"


# --- query counts -------------------------------------------------------------------------------------

def _queries(client, params, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/fa/programmes/", params, **extra)
        assert response.status_code == 200
    return len(queries)


def test_the_search_page_makes_the_same_few_queries_for_3_or_30_results(client, city, citizen,
                                                                       django_assert_max_num_queries):
    from .test_search_support import district

    place = district(city, 2)
    params = {"q": "کارگاه", "district": 2, "has_seats": "1", "sort": "soonest"}

    def add(start, stop):
        for n in range(start, stop):
            make_offering(make_programme(city, f"کارگاه عکاسی {n}"), days=3 + n, place=place)

    add(0, 3)
    client.get("/fa/programmes/")  # the first request of a process looks up the host's city
    with django_assert_max_num_queries(15):
        few = _queries(client, params)
    add(3, 30)
    with django_assert_max_num_queries(15):
        many = _queries(client, params)
    assert few == many
    client.force_login(citizen)
    with django_assert_max_num_queries(15):
        _queries(client, {**params, "sort": "relevance"})
    with django_assert_max_num_queries(15):
        _queries(client, {**params, "q": "کارگاه زززز"})  # nothing found: the similar-word search runs too
