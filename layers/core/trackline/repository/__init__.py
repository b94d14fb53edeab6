"""The only code that talks to DynamoDB."""
