"""RSASSA-PSS with SHA-256 and MGF1-SHA-256 (RFC 8017, 8.1.2 and 9.1.2): verification only.

The official SDK signs with pycryptodome's PKCS1_PSS (salt of 32 bytes); other clients may use
another salt length (Go's crypto/rsa picks the longest by default), so the salt length is read
from the encoded message, as the RFC allows. Verification needs only the public key, modular
exponentiation and SHA-256, so the Lambda layer carries no cryptography package for it.
"""

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

MIN_KEY_BITS = 2048
MAX_KEY_BITS = 8192
_HASH_LENGTH = 32
# DER of the AlgorithmIdentifier's OID rsaEncryption (1.2.840.113549.1.1.1).
_RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")
_PEM = re.compile(r"-----BEGIN (RSA )?PUBLIC KEY-----(.+?)-----END \1?PUBLIC KEY-----", re.DOTALL)


class InvalidPublicKey(ValueError):
    pass


@dataclass(frozen=True)
class RsaPublicKey:
    modulus: int
    exponent: int

    @property
    def bits(self) -> int:
        return self.modulus.bit_length()


def load_public_key(pem: str) -> RsaPublicKey:
    """An RSA public key from PEM: SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY")."""
    match = _PEM.search(pem or "")
    if match is None:
        raise InvalidPublicKey("not a PEM public key (-----BEGIN PUBLIC KEY-----)")
    try:
        der = base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidPublicKey("the PEM body is not base64") from error
    if not match.group(1):
        der = _rsa_key_of_subject_public_key_info(der)
    modulus_and_exponent = _sequence(der)
    modulus, rest = _integer(modulus_and_exponent)
    exponent, rest = _integer(rest)
    if rest:
        raise InvalidPublicKey("trailing data after the RSA key")
    key = RsaPublicKey(modulus, exponent)
    if not MIN_KEY_BITS <= key.bits <= MAX_KEY_BITS:
        raise InvalidPublicKey(f"an RSA key must have {MIN_KEY_BITS} to {MAX_KEY_BITS} bits, this one has {key.bits}")
    if exponent < 3 or exponent % 2 == 0:
        raise InvalidPublicKey("the public exponent is not a valid RSA exponent")
    return key


def verify_pss_sha256(key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
    size = (key.bits + 7) // 8
    if len(signature) != size:
        return False
    representative = int.from_bytes(signature, "big")
    if representative >= key.modulus:
        return False
    em_bits = key.bits - 1
    em_length = (em_bits + 7) // 8
    encoded = pow(representative, key.exponent, key.modulus)
    if encoded.bit_length() > em_length * 8:
        return False
    return _pss_encoding_matches(hashlib.sha256(message).digest(), encoded.to_bytes(em_length, "big"), em_bits)


def _pss_encoding_matches(message_hash: bytes, encoded: bytes, em_bits: int) -> bool:
    if len(encoded) < _HASH_LENGTH + 2 or encoded[-1] != 0xBC:
        return False
    masked_db, digest = encoded[: -_HASH_LENGTH - 1], encoded[-_HASH_LENGTH - 1 : -1]
    unused_bits = 8 * len(encoded) - em_bits
    top_mask = 0xFF >> unused_bits
    if masked_db[0] & ~top_mask & 0xFF:
        return False
    db = bytearray(a ^ b for a, b in zip(masked_db, _mgf1_sha256(digest, len(masked_db))))
    db[0] &= top_mask
    separator = next((index for index, byte in enumerate(db) if byte), None)
    if separator is None or db[separator] != 0x01:
        return False
    salt = bytes(db[separator + 1 :])
    expected = hashlib.sha256(b"\x00" * 8 + message_hash + salt).digest()
    return hmac.compare_digest(digest, expected)


def _mgf1_sha256(seed: bytes, length: int) -> bytes:
    mask = b"".join(hashlib.sha256(seed + counter.to_bytes(4, "big")).digest() for counter in range(-(-length // _HASH_LENGTH)))
    return mask[:length]


# -- the little DER a public key needs ----------------------------------------------------------


def _element(der: bytes, tag: int) -> tuple[bytes, bytes]:
    """The content of the element with this tag at the start of `der`, and what follows it."""
    if len(der) < 2 or der[0] != tag:
        raise InvalidPublicKey("malformed DER in the public key")
    length, offset = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or len(der) < 2 + count:
            raise InvalidPublicKey("malformed DER length in the public key")
        length, offset = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    if len(der) < offset + length:
        raise InvalidPublicKey("truncated public key")
    return der[offset : offset + length], der[offset + length :]


def _sequence(der: bytes) -> bytes:
    content, rest = _element(der, 0x30)
    if rest:
        raise InvalidPublicKey("trailing data after the public key")
    return content


def _integer(der: bytes) -> tuple[int, bytes]:
    content, rest = _element(der, 0x02)
    if not content or content[0] & 0x80:
        raise InvalidPublicKey("a negative or empty integer in the public key")
    return int.from_bytes(content, "big"), rest


def _rsa_key_of_subject_public_key_info(der: bytes) -> bytes:
    info = _sequence(der)
    algorithm, rest = _element(info, 0x30)
    oid, _ = _element(algorithm, 0x06)
    if oid != _RSA_ENCRYPTION_OID:
        raise InvalidPublicKey("not an RSA public key")
    bit_string, rest = _element(rest, 0x03)
    if rest or not bit_string or bit_string[0] != 0:
        raise InvalidPublicKey("malformed public key bit string")
    return bit_string[1:]
