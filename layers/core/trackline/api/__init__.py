"""The HTTP edge shared by the API functions: envelope, error mapping, guard, routes."""
