"""The non-HTTP edges: queue and stream records in, one service call each."""
