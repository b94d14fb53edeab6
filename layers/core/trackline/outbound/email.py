"""Customer email through SES."""

from trackline.notifications.messages import EmailContent
from trackline.outbound.aws_clients import aws_client


class SesEmailSender:
    def __init__(self, sender: str) -> None:
        self._sender = sender

    def send(self, to: str, content: EmailContent) -> str:
        """Sends one email; returns SES's message id."""
        response = aws_client("ses").send_email(
            Source=self._sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": content.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": content.text, "Charset": "UTF-8"},
                    "Html": {"Data": content.html, "Charset": "UTF-8"},
                },
            },
        )
        return response["MessageId"]
