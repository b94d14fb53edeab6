"""Tracking page: the public, branded page behind every tracking's aftership_tracking_url."""

from typing import Any

from aws_lambda_powertools import Logger

from trackline.tracking_page.endpoint import serve_page

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: Any) -> dict:
    return serve_page(event)
