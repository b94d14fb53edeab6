"""Outbound adapters: the only code that talks to SES, SNS, EventBridge and webhook receivers."""
