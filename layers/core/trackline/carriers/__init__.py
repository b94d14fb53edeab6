"""Carrier adapters: the only code that talks to a carrier. One module per carrier, each behind
the small interface in `base`, each with an explicit table from the carrier's codes to tag/subtag."""
