"""The public tracking page's use case: the tracking behind a page token, if the token is right."""

from trackline.models.tracking import TrackingRecord
from trackline.repository.trackings import TrackingRepository
from trackline.settings import Settings, get_settings
from trackline.tracking_page import links


class TrackingPageService:
    def __init__(self, settings: Settings | None = None, repository: TrackingRepository | None = None) -> None:
        self._settings = settings or get_settings()
        self._repository = repository or TrackingRepository(self._settings.table_name, self._settings.poll_shards)

    @property
    def settings(self) -> Settings:
        return self._settings

    def tracking_for(self, token: str | None) -> TrackingRecord | None:
        """The tracking, by the id half of the token (one read), if its stored secret equals the
        token's other half. Malformed, unknown and wrong tokens all give None, alike."""
        parts = links.parse_token(token)
        if parts is None:
            return None
        tracking_id, secret = parts
        record = self._repository.get(tracking_id)
        if record is None or not links.secret_matches(record.tracking_page_secret, secret):
            return None
        return record
