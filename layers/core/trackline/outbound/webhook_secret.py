"""The secret webhooks are signed with: from settings locally, from Secrets Manager in AWS."""

from trackline.settings import Settings

SECRET_MAX_AGE = 300  # seconds; a rotated secret is picked up within five minutes


class MissingWebhookSecret(RuntimeError):
    pass


def webhook_secret(settings: Settings) -> str:
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if settings.webhook_secret_arn:
        from aws_lambda_powertools.utilities.parameters import get_secret

        value = get_secret(settings.webhook_secret_arn, max_age=SECRET_MAX_AGE)
        if value:
            return str(value)
    raise MissingWebhookSecret("no webhook secret is configured")
