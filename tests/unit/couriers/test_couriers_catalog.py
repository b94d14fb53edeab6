"""The shipped catalog: every courier complete, every format and S10 country routed to a real slug."""

import json
from importlib.resources import files

import pytest
from couriers_test_support import formats, routed_slugs

from trackline.couriers import Courier, all_couriers, get_courier, slugs_in_group, tracking_link
from trackline.couriers.models import CONTRACT_FIELDS
from trackline.couriers.routing import all_routings

DATA = files("trackline.couriers").joinpath("data")
SLUG_GROUPS_V1 = [
    "amazon-group", "fedex-group", "toll-group", "taqbin-group", "tnt-group", "cj-group",
    "hermes-group", "dpd-group", "gls-group", "dhl-group", "fastway-group", "asendia-group",
]  # fmt: skip


def _data(*path: str):
    return json.loads(DATA.joinpath(*path).read_text(encoding="utf-8"))


def test_every_courier_of_the_reference_catalog_is_included_with_its_name():
    reference = _data("aftership_couriers", "aftership_couriers_opencart_2015.json")
    assert len(reference) == 227
    for row in reference:
        courier = get_courier(row["slug"])
        assert courier is not None, row["slug"]
        assert courier.name == row["name"]


def test_licenses_ship_next_to_the_copied_data():
    assert "Jeff Keen" in DATA.joinpath("tracking_number_data", "LICENSE").read_text(encoding="utf-8")
    assert "Aftership" in DATA.joinpath("aftership_couriers", "LICENSE-MIT").read_text(encoding="utf-8")


def test_every_courier_has_every_contract_field():
    raw = _data("couriers.json")
    for row in raw:
        assert set(row) == {*CONTRACT_FIELDS, "tracking_link_template"}, row["slug"]
    couriers = all_couriers()
    assert [c.slug for c in couriers] == sorted(row["slug"] for row in raw)
    for courier in couriers:
        contract = courier.as_contract()
        assert list(contract) == list(CONTRACT_FIELDS)
        assert isinstance(contract["required_fields"], list)
        assert courier.slug == courier.slug.lower().strip()
        assert courier.name
        assert courier.default_language in courier.support_languages
        assert all(len(code) == 3 and code.isupper() for code in courier.service_from_country_iso3)
        if courier.tracking_link_template is not None:
            assert courier.tracking_link_template.startswith("https://")
            assert "{tracking_number}" in courier.tracking_link_template


def test_the_model_rejects_unknown_additional_field_names():
    with pytest.raises(ValueError):
        Courier(slug="x", name="X", required_fields=["tracking_colour"])


def test_every_format_leads_to_catalog_couriers():
    routings = all_routings()
    assert set(routings) == set(formats()), "a format without a courier, or a route without a format"
    for key in formats():
        slugs = routed_slugs(key)
        assert slugs, key
        for slug in slugs:
            assert get_courier(slug) is not None, (key, slug)


@pytest.mark.parametrize(
    ("format_key", "slug"),
    [
        ("ups", "ups"), ("UPS Waybill", "ups"), ("usps_impb_c", "usps"), ("fedex_12", "fedex"),
        ("dhl_express", "dhl"), ("dpd", "dpd"), ("canada_post", "canada-post"), ("purolator_numeric", "purolator"),
        ("yodel", "yodel"), ("ontrac_c", "ontrac"), ("lasership_lx", "lasership"), ("amazon_logistics", "amazon"),
        ("canpar_22", "canpar"), ("landmark_global", "landmark-global"), ("Old Dominion", "old-dominion"),
        ("speedee", "speedee"), ("yunexpress", "yunexpress"), ("sandbox", "sandbox"),
    ],
)  # fmt: skip
def test_formats_use_aftership_slug_spellings(format_key, slug):
    assert slug in routed_slugs(format_key)


def test_s10_operators_cover_at_least_fifty_countries_with_real_slugs():
    operators = _data("s10_operators.json")
    s10_countries = set().union(*(rule.exact for rule in formats()["s10"].lookups))
    assert len(operators) >= 50
    assert set(operators) <= s10_countries, "a country the S10 data would reject anyway"
    for routes in operators.values():
        for route in routes:
            assert get_courier(route["slug"]) is not None, route["slug"]


@pytest.mark.parametrize(
    ("country", "slug"),
    [
        ("GB", "royal-mail"), ("US", "usps"), ("CN", "china-post"), ("DE", "deutsch-post"),
        ("FR", "la-poste-colissimo"), ("JP", "japan-post"), ("AU", "australia-post"), ("CA", "canada-post"),
        ("CH", "swiss-post"), ("NL", "postnl-international"), ("IT", "poste-italiane"), ("ES", "spain-correos-es"),
        ("NO", "posten-norge"), ("SE", "sweden-posten"), ("IN", "india-post-int"), ("KR", "korea-post"),
        ("SG", "singapore-post"), ("HK", "hong-kong-post"), ("BR", "brazil-correios"), ("RU", "russian-post"),
        ("NZ", "new-zealand-post"),
    ],
)  # fmt: skip
def test_s10_country_suffix_decides_the_postal_operator(country, slug):
    routes = _data("s10_operators.json")[country]
    assert routes[0]["slug"] == slug and "when" not in routes[0]


def test_slug_groups_cover_the_contract_enum():
    groups = _data("slug_groups.json")
    assert sorted(groups) == sorted(SLUG_GROUPS_V1)
    for group in SLUG_GROUPS_V1:
        members = slugs_in_group(group)
        assert members, group
        assert all(get_courier(slug) is not None for slug in members)
    assert {"fedex", "fedex-uk"} <= slugs_in_group("fedex-group")
    assert "dhl" in slugs_in_group("dhl-group") and "amazon" in slugs_in_group("amazon-group")
    assert slugs_in_group("made-up-group") is None
    assert slugs_in_group("dhl") is None


def test_sandbox_courier():
    sandbox = get_courier("sandbox")
    assert sandbox is not None and sandbox.name == "Trackline Sandbox"
    assert sandbox.required_fields == ()


def test_get_courier_unknown_slug():
    assert get_courier("no-such-courier") is None
    assert get_courier("") is None


def test_tracking_links():
    assert (
        tracking_link("usps", "9400 1112 0108 0805 4830 16")
        == "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111201080805483016"
    )
    assert tracking_link("ups", "1z5r89390357567127") == "https://www.ups.com/track?tracknum=1Z5R89390357567127"
    assert tracking_link("royal-mail", "RB123456785GB").endswith("/RB123456785GB")
    # Characters that mean something in a URL are escaped rather than trusted.
    assert tracking_link("usps", "A&B/C?D").endswith("tLabels=A%26B%2FC%3FD")
    assert tracking_link("sandbox", "SBX123456") is None  # no public page
    assert tracking_link("no-such-courier", "123") is None


def test_courier_objects_are_shared_and_immutable():
    assert get_courier("ups") is get_courier("ups")
    with pytest.raises(ValueError):
        get_courier("ups").name = "Other"  # type: ignore[misc]
    couriers = all_couriers()
    couriers.clear()
    assert all_couriers(), "callers get their own list"
