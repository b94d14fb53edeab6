"""Business days and the contract's order cut-off / processing-time rules."""

from datetime import date, datetime

import pytest

from trackline.estimates.business_days import add_business_days, business_days_between, next_business_day, roll_forward
from trackline.estimates.pickup import OrderRules, pickup_time

MON, FRI, SAT, SUN = date(2024, 4, 1), date(2024, 4, 5), date(2024, 4, 6), date(2024, 4, 7)


def test_weekends_are_skipped_forwards():
    assert roll_forward(FRI) == FRI and roll_forward(SAT) == roll_forward(SUN) == date(2024, 4, 8)
    assert next_business_day(FRI) == date(2024, 4, 8)
    assert add_business_days(FRI, 1) == date(2024, 4, 8)
    assert add_business_days(MON, 0) == MON and add_business_days(SAT, 0) == date(2024, 4, 8)
    assert add_business_days(MON, 5) == date(2024, 4, 8) and add_business_days(MON, 12) == date(2024, 4, 17)


@pytest.mark.parametrize(
    ("pickup", "delivered", "days"),
    [
        (MON, MON, 0),
        (MON, date(2024, 4, 3), 2),
        (FRI, date(2024, 4, 8), 1),  # over the weekend: one business day
        (SAT, date(2024, 4, 8), 0),  # a Saturday pickup starts on Monday
        (FRI, SAT, 1),  # a Saturday delivery counts as Monday's
        (MON, date(2024, 4, 22), 15),
        (date(2024, 4, 3), MON, 0),  # out of order: nothing
    ],
)
def test_business_days_between_pickup_and_delivery(pickup, delivered, days):
    assert business_days_between(pickup, delivered) == days


def test_counting_and_adding_agree_for_every_start_and_length():
    for offset in range(14):
        start = date(2024, 4, 1 + offset)
        for days in range(0, 25):
            assert business_days_between(start, add_business_days(start, days)) == days


@pytest.mark.parametrize(
    ("order_time", "rules", "pickup"),
    [
        # before the cut-off on a business day: picked up that day, at the cut-off
        ("2024-04-03 15:04:05", OrderRules(), "2024-04-03 18:00:00"),
        ("2024-04-03 18:00:00", OrderRules(), "2024-04-03 18:00:00"),
        # after the cut-off: the next business day
        ("2024-04-03 18:00:01", OrderRules(), "2024-04-04 18:00:00"),
        ("2024-04-05 19:00:00", OrderRules(), "2024-04-08 18:00:00"),
        # a weekend order starts on Monday; processing days are business days
        ("2024-04-06 10:00:00", OrderRules(processing_days=2), "2024-04-10 18:00:00"),
        ("2024-04-05 10:00:00", OrderRules(processing_days=1), "2024-04-08 18:00:00"),
        # a fraction of a day is a whole day
        ("2024-04-03 10:00:00", OrderRules(processing_days=0.5), "2024-04-04 18:00:00"),
        # the merchant's own week and cut-off
        ("2024-04-06 10:00:00", OrderRules(business_days=frozenset(range(1, 8))), "2024-04-06 18:00:00"),
        ("2024-04-05 14:00:00", OrderRules(cutoff=datetime(1, 1, 1, 12).time(), business_days=frozenset({1, 3, 5})), "2024-04-08 12:00:00"),
    ],
)
def test_pickup_time_follows_the_cut_off_and_processing_rules(order_time, rules, pickup):
    assert pickup_time(datetime.fromisoformat(order_time), rules) == datetime.fromisoformat(pickup)
