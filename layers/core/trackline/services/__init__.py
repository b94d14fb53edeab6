"""Use cases: what the functions do, independent of how they are invoked."""
