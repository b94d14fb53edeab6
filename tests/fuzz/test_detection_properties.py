"""Property tests of courier detection (trackline/couriers) as the API uses it: however a number
is spelled, whatever text arrives, and however the candidates are narrowed or ranked.
(Format-by-format properties, valid numbers and single-character corruptions, are in
tests/unit/couriers/test_couriers_properties.py.)"""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackline.couriers import detect

# Numbers that one format accepts, or two (the last three), or (random) mostly none.
KNOWN = ["1Z5R89390357567127", "123456789012", "RR123456785DE", "77746323045", "313848996705", "339144048547628"]
NUMBERS = st.one_of(
    st.sampled_from(KNOWN),
    st.text(alphabet=string.digits, min_size=10, max_size=34),
    st.text(alphabet=string.digits + string.ascii_uppercase, min_size=8, max_size=30),
)
SLUG_POOL = ["ups", "fedex", "dhl", "purolator", "old-dominion", "dpd", "deutsch-post", "royal-mail", "gls", "aramex"]
PROPERTIES = settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def respelled(draw, number: str) -> str:
    """The same number as people paste it: any case, spaces and dashes (of several kinds)."""
    separators = st.sampled_from(["", "", " ", "-", "\u2013", "\t", "\u2212"])
    letters = [char.lower() if draw(st.booleans()) else char for char in number]
    return draw(separators) + "".join(char + draw(separators) for char in letters)


def slugs_of(couriers) -> list[str]:
    return [courier.slug for courier in couriers]


@PROPERTIES
@given(data=st.data(), number=NUMBERS)
def test_spelling_does_not_change_what_is_detected(data, number):
    assert slugs_of(detect(data.draw(respelled(number)))) == slugs_of(detect(number))


@PROPERTIES
@given(number=NUMBERS, allowed=st.sets(st.sampled_from(SLUG_POOL)))
def test_restricting_the_slugs_only_removes_candidates_and_keeps_their_order(number, allowed):
    everything = slugs_of(detect(number))
    assert slugs_of(detect(number, slugs=allowed)) == [slug for slug in everything if slug in allowed]


@PROPERTIES
@given(number=NUMBERS, activated=st.sets(st.sampled_from(SLUG_POOL)))
def test_activated_couriers_come_first_and_are_never_added_or_removed(number, activated):
    ranked = slugs_of(detect(number, activated=activated))
    assert sorted(ranked) == sorted(slugs_of(detect(number)))
    assert len(ranked) == len(set(ranked))
    first_others = next((index for index, slug in enumerate(ranked) if slug not in activated), len(ranked))
    assert all(slug not in activated for slug in ranked[first_others:]), ranked


@PROPERTIES
@given(text=st.text(max_size=60))
def test_any_text_is_answered_without_error(text):
    found = slugs_of(detect(text))
    assert len(found) == len(set(found))
