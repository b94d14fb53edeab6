"""Customer SMS through SNS (published to the phone number, never to a topic)."""

import re

from trackline.outbound.aws_clients import aws_client

_SEPARATORS = re.compile(r"[\s().-]")


def e164(phone: str) -> str:
    """The stored number as SNS wants it: the API accepts spaces, dashes and brackets."""
    return _SEPARATORS.sub("", phone)


class SnsSmsSender:
    def send(self, to: str, text: str) -> str:
        response = aws_client("sns").publish(
            PhoneNumber=e164(to),
            Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
        return response["MessageId"]
