"""Countries as merchants write them in a CSV: ISO 3166 alpha-3, alpha-2, the ISO name, or the
everyday English name where it differs from the ISO one ("United Kingdom", not "United Kingdom of
Great Britain and Northern Ireland")."""

from trackline.countries import iso3

EVERYDAY_NAMES: dict[str, str] = {
    "UK": "GBR",
    "UNITED KINGDOM": "GBR",
    "GREAT BRITAIN": "GBR",
    "BRITAIN": "GBR",
    "ENGLAND": "GBR",
    "SCOTLAND": "GBR",
    "WALES": "GBR",
    "NORTHERN IRELAND": "GBR",
    "UNITED STATES": "USA",
    "UNITED STATES OF AMERICA": "USA",
    "AMERICA": "USA",
    "NETHERLANDS": "NLD",
    "THE NETHERLANDS": "NLD",
    "HOLLAND": "NLD",
    "RUSSIA": "RUS",
    "SOUTH KOREA": "KOR",
    "KOREA": "KOR",
    "NORTH KOREA": "PRK",
    "VIETNAM": "VNM",
    "TAIWAN": "TWN",
    "IRAN": "IRN",
    "SYRIA": "SYR",
    "TURKEY": "TUR",
    "CZECH REPUBLIC": "CZE",
    "CZECHIA": "CZE",
    "BOLIVIA": "BOL",
    "VENEZUELA": "VEN",
    "TANZANIA": "TZA",
    "MOLDOVA": "MDA",
    "LAOS": "LAO",
    "BRUNEI": "BRN",
    "PALESTINE": "PSE",
    "VATICAN": "VAT",
    "MICRONESIA": "FSM",
    "MACEDONIA": "MKD",
    "NORTH MACEDONIA": "MKD",
    "IVORY COAST": "CIV",
    "CAPE VERDE": "CPV",
    "SWAZILAND": "SWZ",
    "DR CONGO": "COD",
    "DEMOCRATIC REPUBLIC OF THE CONGO": "COD",
    "CONGO": "COG",
    "HONG KONG": "HKG",
    "MACAU": "MAC",
    "MACAO": "MAC",
    "UAE": "ARE",
    "UNITED ARAB EMIRATES": "ARE",
}


def country_code(cell: str) -> str | None:
    """The alpha-3 code, or None when the cell names no country."""
    return iso3(cell) or EVERYDAY_NAMES.get(" ".join(cell.upper().replace(".", " ").split()))
