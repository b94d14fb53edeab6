"""Signed requests of the 2024-04 contract: the SignString a client signs, and the RSA-PSS
verification of an RSA signature (HMAC comes from the standard library)."""
