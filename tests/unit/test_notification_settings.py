"""Notification settings: disallowed webhook URLs are refused when the configuration is read."""

import pytest

from trackline.settings import DEFAULT_NOTIFY_TAGS, SettingsError, settings_from

BASE = {"TABLE_NAME": "trackline-Table-1", "WEBHOOK_SECRET": "s3cret-value"}


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hooks",  # not https
        "https://10.1.2.3/hooks",  # private
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",  # link-local (instance metadata)
        "https://127.0.0.1/hooks",  # loopback
        "https://[::1]/hooks",
        "https://localhost/hooks",
        "https://user:pass@93.184.215.14/hooks",
        "ftp://93.184.215.14/hooks",
    ],
)
def test_a_disallowed_webhook_url_is_refused_at_configuration_time(url):
    with pytest.raises(SettingsError) as excinfo:
        settings_from({**BASE, "WEBHOOK_URLS": url})
    assert "WEBHOOK_URLS" in str(excinfo.value)
    assert "user:pass@" not in str(excinfo.value) and "s3cret" not in str(excinfo.value)


def test_local_http_to_loopback_needs_the_local_setting():
    with pytest.raises(SettingsError):
        settings_from({**BASE, "WEBHOOK_URLS": "http://127.0.0.1:8080/hooks"})
    settings = settings_from({**BASE, "WEBHOOK_URLS": "http://127.0.0.1:8080/hooks", "WEBHOOK_ALLOW_LOCAL_HTTP": "true"})
    assert settings.webhook_urls == ("http://127.0.0.1:8080/hooks",)
    with pytest.raises(SettingsError):  # still not a private network address
        settings_from({**BASE, "WEBHOOK_URLS": "http://10.0.0.8/hooks", "WEBHOOK_ALLOW_LOCAL_HTTP": "true"})


def test_public_https_urls_are_taken_up_to_ten_and_need_a_secret():
    urls = ",".join(f"https://93.184.215.{n}/hooks?token=x" for n in range(1, 11))
    assert len(settings_from({**BASE, "WEBHOOK_URLS": urls}).webhook_urls) == 10
    with pytest.raises(SettingsError):
        settings_from({**BASE, "WEBHOOK_URLS": urls + ",https://93.184.215.99/"})
    with pytest.raises(SettingsError, match="secret"):
        settings_from({"TABLE_NAME": "t-1", "WEBHOOK_URLS": "https://93.184.215.14/hooks"})
    assert settings_from({"TABLE_NAME": "t-1", "WEBHOOK_URLS": "https://93.184.215.14/h", "WEBHOOK_SECRET_ARN": "arn:x"}).webhook_urls


def test_tag_lists_are_validated_and_default_to_the_contract():
    assert settings_from({"TABLE_NAME": "t-1"}).notify_tags == DEFAULT_NOTIFY_TAGS
    assert settings_from({"TABLE_NAME": "t-1", "NOTIFY_TAGS": "Delivered, Exception"}).notify_tags == {"Delivered", "Exception"}
    with pytest.raises(SettingsError, match="NOTIFY_TAGS"):
        settings_from({"TABLE_NAME": "t-1", "NOTIFY_TAGS": "Delivered,Shipped"})
    with pytest.raises(SettingsError, match="EMAIL_SENDER"):
        settings_from({"TABLE_NAME": "t-1", "EMAIL_SENDER": "not an address"})
