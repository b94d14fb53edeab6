"""Built-in carrier names: the catalog's names and what sales channels call carriers."""

import pytest

from trackline.couriers import get_courier
from trackline.couriers.names import built_in_names, closest_slugs, normalise_name, sales_channel_names


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Royal mail - 24®/48® RM tracked", "royal-mail"),
        ("Hermes/EVRI", "hermes"),
        ("DHL eCommerce", "dhl-global-mail"),
        ("Amazon Logistics", "amazon"),
        ("ROYAL MAIL", "royal-mail"),  # the catalog's name, in any case
        ("Federal Express", "fedex"),  # the catalog's other name
        ("royal-mail", "royal-mail"),  # a slug is a name too
        ("Česká pošta", "ceska-posta"),  # accents do not matter
        ("  usps   priority mail ", "usps"),
    ],
)
def test_a_known_name_finds_its_courier(name, slug):
    assert built_in_names()[normalise_name(name)] == slug


def test_normalising_drops_case_accents_trade_marks_and_punctuation():
    assert normalise_name("Royal mail - 24®/48® RM tracked") == "royal mail 24 48 rm tracked"
    assert normalise_name("Hermes / Evri") == normalise_name("HERMES-EVRI") == "hermes evri"
    assert normalise_name("®™/-") == ""


def test_every_sales_channel_name_names_a_courier_of_the_catalog():
    for slug, names in sales_channel_names().items():
        assert get_courier(slug) is not None, slug
        assert names and all(built_in_names()[normalise_name(name)] for name in names)


def test_a_slug_or_a_catalog_name_beats_a_sales_channel_or_other_name():
    # "India Post" is India Post's name and India Post International's other name.
    assert built_in_names()[normalise_name("India Post")] == "india-post"


def test_suggestions_for_a_misspelt_name():
    names = built_in_names()
    assert closest_slugs("Royal Mael 48", names)[0] == "royal-mail"
    assert closest_slugs("Hermez/EVRY", names)[0] == "hermes"
    assert closest_slugs("qqqqqqqq", names) == []
