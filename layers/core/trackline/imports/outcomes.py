"""Why a row was not imported: the create endpoint's error, said for a CSV row.

A row is created by the create endpoint's own rules, so a row that fails, fails with the error the
endpoint would answer. This table turns that error into the row's outcome (its meta code is kept),
and the message into one that says what to change in the file.
"""

from trackline.errors import CourierNotDetected, TracklineError, UnknownCourierName
from trackline.models.imports import Outcome, RowOutcome

# The contract's codes, as row outcomes.
OUTCOME_OF_CODE: dict[int, Outcome] = {
    4003: Outcome.DUPLICATE,
    4005: Outcome.INVALID_TRACKING_NUMBER,
    4017: Outcome.INVALID_TRACKING_NUMBER,
    4007: Outcome.MISSING_REQUIRED_FIELD,
    4009: Outcome.MISSING_REQUIRED_FIELD,
    4011: Outcome.MISSING_REQUIRED_FIELD,
    4010: Outcome.UNKNOWN_COURIER,
    4012: Outcome.COURIER_NOT_DETECTED,
    4008: Outcome.INVALID_VALUE,
}

# What to do about it, after the error's own message.
ADVICE: dict[Outcome, str] = {
    Outcome.INVALID_TRACKING_NUMBER: "Check the number, or the courier column if the number belongs to another courier.",
    Outcome.MISSING_REQUIRED_FIELD: "Fill in the cell (or add the column) and import the row again.",
    Outcome.COURIER_NOT_DETECTED: "Name the courier in the courier column.",
    Outcome.INVALID_VALUE: "Correct the cell and import the row again.",
}


def failed_row(row: int, error: TracklineError, *, tracking_number: str | None, column_labels: dict[str, str]) -> RowOutcome:
    outcome = OUTCOME_OF_CODE.get(error.meta_code, Outcome.INVALID_VALUE)
    if isinstance(error, CourierNotDetected) and error.message == CourierNotDetected.NOT_ACTIVATED:
        outcome = Outcome.COURIER_NOT_ACTIVATED
    return RowOutcome(
        row=row,
        outcome=outcome,
        meta_code=error.meta_code,
        message=_message(outcome, error, column_labels),
        tracking_number=tracking_number,
        suggestions=error.suggestions if isinstance(error, UnknownCourierName) else None,
    )


def courier_not_activated(row: int, tracking_number: str, fitting: list[tuple[str, str]]) -> RowOutcome:
    """A number only couriers the merchant has not activated accept (4012)."""
    names = ", ".join(f"{name} ({slug})" for slug, name in fitting)
    first = fitting[0][0]
    return RowOutcome(
        row=row,
        outcome=Outcome.COURIER_NOT_ACTIVATED,
        meta_code=4012,
        message=(
            f"None of your activated couriers takes this number; it fits {names}. Activate the courier "
            f"(POST /tracking/2024-04/couriers/{first}/activate) or name it in the courier column."
        ),
        tracking_number=tracking_number,
        suggestions=[slug for slug, _ in fitting],
    )


def duplicate_in_file(row: int, first_row: int, tracking_number: str, slug: str) -> RowOutcome:
    return RowOutcome(
        row=row,
        outcome=Outcome.DUPLICATE,
        meta_code=4003,
        message=f"Row {first_row} has the same courier and tracking number; only that row is imported.",
        tracking_number=tracking_number,
        slug=slug,
    )


def already_tracked(row: int, tracking_number: str, slug: str) -> RowOutcome:
    return RowOutcome(
        row=row,
        outcome=Outcome.DUPLICATE,
        meta_code=4003,
        message=f"A tracking of {slug} {tracking_number} already exists; the row was skipped.",
        tracking_number=tracking_number,
        slug=slug,
    )


def _message(outcome: Outcome, error: TracklineError, column_labels: dict[str, str]) -> str:
    message = error.message
    if outcome is Outcome.UNKNOWN_COURIER and isinstance(error, UnknownCourierName):
        message = message.replace("The value of slug is invalid. ", f"In the {column_labels.get('slug', 'courier')} column: ")
    field = getattr(error, "field", None)
    if field and field in column_labels and column_labels[field] != field:
        message = f"{message} (column {column_labels[field]})"
    advice = ADVICE.get(outcome)
    return f"{message} {advice}" if advice else message
