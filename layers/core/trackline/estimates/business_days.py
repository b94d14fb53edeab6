"""Business-day arithmetic. Weekdays are ISO numbers (1 = Monday ... 7 = Sunday), as the
contract's `business_days` are. Public holidays are not modelled: a holiday counts as a working
day, which makes an estimate around one a day early at most."""

from datetime import date, timedelta

# Carriers move parcels Monday to Friday; transit times are counted in these days.
CARRIER_WEEK: frozenset[int] = frozenset({1, 2, 3, 4, 5})


def is_business_day(day: date, week: frozenset[int] = CARRIER_WEEK) -> bool:
    return day.isoweekday() in week


def roll_forward(day: date, week: frozenset[int] = CARRIER_WEEK) -> date:
    """The day itself if it is a business day, else the next one."""
    while not is_business_day(day, week):
        day += timedelta(days=1)
    return day


def next_business_day(day: date, week: frozenset[int] = CARRIER_WEEK) -> date:
    """The first business day strictly after `day`."""
    return roll_forward(day + timedelta(days=1), week)


def add_business_days(start: date, count: int, week: frozenset[int] = CARRIER_WEEK) -> date:
    """`count` business days after `start` (rolled forward to a business day first)."""
    day = roll_forward(start, week)
    weeks, rest = divmod(max(0, count), len(week))
    day += timedelta(weeks=weeks)
    for _ in range(rest):
        day = next_business_day(day, week)
    return day


def business_days_between(start: date, end: date, week: frozenset[int] = CARRIER_WEEK) -> int:
    """Business days after `start` up to and including `end`, both rolled forward first: a
    parcel picked up on Friday and delivered on Monday took one business day, one picked up on
    Saturday and delivered on Monday none. Zero when `end` is not after `start`."""
    first, last = roll_forward(start, week), roll_forward(end, week)
    if last <= first:
        return 0
    weeks, rest = divmod((last - first).days, 7)
    count = weeks * len(week)
    day = first + timedelta(weeks=weeks)
    for _ in range(rest):
        day += timedelta(days=1)
        count += is_business_day(day, week)
    return count
