"""Domain errors. Each carries its AfterShip meta code; the API edge maps them in one place
(trackline.api.errors) to the {meta, data} envelope."""

from http import HTTPStatus


class TracklineError(Exception):
    """Base of every error a client can cause. Never a 5xx."""

    meta_code: int = 400
    http_status: int = HTTPStatus.BAD_REQUEST
    meta_type: str = "BadRequest"
    default_message: str = "The request was invalid or cannot be otherwise served."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidJson(TracklineError):
    meta_code = 4001
    default_message = "Invalid JSON data."


class TrackingAlreadyExists(TracklineError):
    meta_code = 4003
    default_message = "Tracking already exists."


class TrackingNotFound(TracklineError):
    meta_code = 4004
    http_status = HTTPStatus.NOT_FOUND
    default_message = "Tracking does not exist."


class InvalidTrackingNumber(TracklineError):
    meta_code = 4005
    default_message = "The value of tracking_number is invalid."


class TrackingObjectRequired(TracklineError):
    meta_code = 4006
    default_message = "tracking object is required."


class TrackingNumberRequired(TracklineError):
    meta_code = 4007
    default_message = "tracking_number is required."


class InvalidValue(TracklineError):
    meta_code = 4008

    def __init__(self, field: str, detail: str | None = None) -> None:
        self.field = field
        message = f"The value of {field} is invalid."
        super().__init__(f"{message} {detail}" if detail else message)


class ValueRequired(TracklineError):
    meta_code = 4009

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"{field} is required.")


class InvalidSlug(TracklineError):
    meta_code = 4010
    default_message = "The value of slug is invalid."


class CourierFieldsRequired(TracklineError):
    meta_code = 4011

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields
        super().__init__(
            "Missing or invalid value of the required fields for this courier. "
            f"Besides tracking_number, also required: {', '.join(fields)}"
        )


class CourierNotDetected(TracklineError):
    meta_code = 4012
    NOT_ACTIVATED = (
        "Unable to import shipment as the carrier is not on your approved list for carrier "
        "auto-detection. Add the carrier here: https://admin.aftership.com/settings/couriers"
    )
    NOT_RECOGNIZED = "Unable to import shipment as we don't recognize the carrier from this tracking number."
    INVALID_FORMAT = "Unable to import shipment as the tracking number has an invalid format."
    NOT_SUPPORTED = "Unable to import shipment as this carrier is no longer supported."
    NOT_IN_GROUP = "Unable to import shipment as the tracking number does not belong to a carrier in that group."
    default_message = NOT_RECOGNIZED


class RetrackNotAllowedWhileActive(TracklineError):
    meta_code = 4013
    default_message = "Retrack is not allowed. You can only retrack an inactive tracking."


class NotificationObjectRequired(TracklineError):
    meta_code = 4014
    default_message = "notification object is required."


class InvalidTrackingId(TracklineError):
    meta_code = 4015
    default_message = "The value of id is invalid."


class RetrackAlreadyUsed(TracklineError):
    meta_code = 4016
    default_message = "Retrack is not allowed. You can only retrack each shipment once."


class InvalidTrackingNumberFormat(TracklineError):
    meta_code = 4017
    default_message = "The format of tracking_number is invalid."


class Unauthorized(TracklineError):
    meta_code = 401
    http_status = HTTPStatus.UNAUTHORIZED
    meta_type = "Unauthorized"
    default_message = "Invalid API key."


class RouteNotFound(TracklineError):
    meta_code = 404
    http_status = HTTPStatus.NOT_FOUND
    meta_type = "NotFound"
    default_message = "The URI requested is invalid or the resource requested does not exist."


class PayloadTooLarge(TracklineError):
    meta_code = 413
    http_status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    default_message = "The request body is larger than the 1 MB this API accepts."


class InvalidSignature(Unauthorized):
    """A key that has an AES secret or an RSA public key sent no valid, fresh signature."""

    default_message = "The request signature is missing or invalid."


class TooManyRequests(TracklineError):
    meta_code = 429
    http_status = HTTPStatus.TOO_MANY_REQUESTS
    meta_type = "TooManyRequests"

    def __init__(self, limit_per_second: int) -> None:
        super().__init__(
            f"You have exceeded the API call rate limit. The limit is {limit_per_second} requests per second."
        )


class ConcurrentUpdate(TracklineError):
    """Another writer kept changing the tracking while we retried; the client may try again."""

    meta_code = 409
    http_status = HTTPStatus.CONFLICT
    default_message = "The tracking was changed by another request at the same time. Please retry."


class UnknownCourierName(InvalidSlug):
    """A courier given by a name that is neither a slug nor a carrier name known to Trackline
    (built in, or mapped by the merchant)."""

    def __init__(self, name: str, suggestions: list[tuple[str, str]]) -> None:
        self.name = name
        self.suggestions = [slug for slug, _ in suggestions]
        closest = "; closest: " + ", ".join(f"{slug} ({title})" for slug, title in suggestions) if suggestions else ""
        super().__init__(
            f'The value of slug is invalid. "{name}" is neither a courier slug nor a known carrier name{closest}. '
            "Map your own carrier names with POST /tracking/2024-04/courier-mappings."
        )


class InvalidImportFile(TracklineError):
    """A CSV file refused as a whole; nothing of it was imported."""

    meta_code = 4008
    SHOWN = 5

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - self.SHOWN} more)" if len(problems) > self.SHOWN else ""
        super().__init__("The value of file is invalid. " + " ".join(problems[: self.SHOWN]) + more)


class ImportNotFound(TracklineError):
    meta_code = 404
    http_status = HTTPStatus.NOT_FOUND
    meta_type = "NotFound"
    default_message = "The import does not exist (imports are kept for IMPORT_RETENTION_DAYS)."


class CourierMappingNotFound(TracklineError):
    meta_code = 404
    http_status = HTTPStatus.NOT_FOUND
    meta_type = "NotFound"
    default_message = "There is no courier mapping of that carrier name."


_ERRORS_BY_CODE: dict[int, type[TracklineError]] = {
    cls.meta_code: cls
    for cls in (
        InvalidJson,
        InvalidTrackingNumber,
        TrackingObjectRequired,
        TrackingNumberRequired,
        InvalidSlug,
        NotificationObjectRequired,
        InvalidTrackingId,
        InvalidTrackingNumberFormat,
    )
}


def error_for_code(code: int, message: str) -> TracklineError:
    """The domain error for a contract code raised inside a request model's validator."""
    if code in _ERRORS_BY_CODE:
        return _ERRORS_BY_CODE[code](message)
    error = TracklineError(message)
    error.meta_code = code
    return error
