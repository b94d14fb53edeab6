"""RSASSA-PSS-SHA256 verification against signatures made by pycryptodome (what the SDK uses) and
by the cryptography package (another implementation, other salt lengths and key formats)."""

import base64

import pytest
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import PKCS1_PSS

from trackline.signatures.rsa_pss import InvalidPublicKey, load_public_key, verify_pss_sha256

MESSAGE = b"GET\n\n\nMon, 01 Apr 2024 00:00:00 GMT\nas-api-key:k1\n/tracking/2024-04/trackings"


@pytest.fixture(scope="module")
def private_key():
    return RSA.generate(2048)


def sdk_signature(key, message: bytes = MESSAGE, salt: int | None = None) -> bytes:
    signer = PKCS1_PSS.new(key) if salt is None else PKCS1_PSS.new(key, saltLen=salt)
    return signer.sign(SHA256.new(message))


def test_a_signature_by_the_sdk_verifies(private_key):
    public = load_public_key(private_key.publickey().export_key().decode())
    assert public.bits == 2048
    assert verify_pss_sha256(public, MESSAGE, sdk_signature(private_key))


@pytest.mark.parametrize("salt", [0, 20, 64, 222])
def test_any_salt_length_verifies(private_key, salt):
    public = load_public_key(private_key.publickey().export_key().decode())
    assert verify_pss_sha256(public, MESSAGE, sdk_signature(private_key, salt=salt))


def test_another_message_key_or_signature_does_not_verify(private_key):
    public = load_public_key(private_key.publickey().export_key().decode())
    signature = sdk_signature(private_key)
    assert not verify_pss_sha256(public, MESSAGE + b"x", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify_pss_sha256(public, MESSAGE, flipped)
    assert not verify_pss_sha256(public, MESSAGE, signature[:-1])
    assert not verify_pss_sha256(public, MESSAGE, b"\xff" * len(signature))  # >= modulus
    assert not verify_pss_sha256(public, MESSAGE, b"\x00" * len(signature))
    other = load_public_key(RSA.generate(2048).publickey().export_key().decode())
    assert not verify_pss_sha256(other, MESSAGE, signature)


def test_pkcs1_keys_odd_sizes_and_maximal_salts_of_another_implementation():
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2050)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    assert pem.startswith("-----BEGIN RSA PUBLIC KEY-----")
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    assert verify_pss_sha256(load_public_key(pem), MESSAGE, key.sign(MESSAGE, pss, hashes.SHA256()))


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "not a key",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(b"\x30\x03\x02\x01\x05").decode() + "\n-----END PUBLIC KEY-----",
        "-----BEGIN RSA PUBLIC KEY-----\n" + base64.b64encode(b"\x30\x06\x02\x01\x05\x02\x01\x03").decode() + "\n-----END RSA PUBLIC KEY-----",
    ],
)
def test_what_is_not_an_rsa_public_key_is_refused(pem):
    with pytest.raises(InvalidPublicKey):
        load_public_key(pem)


def test_short_keys_and_private_keys_are_refused():
    with pytest.raises(InvalidPublicKey, match="2048"):
        load_public_key(RSA.generate(1024).publickey().export_key().decode())
    with pytest.raises(InvalidPublicKey):
        load_public_key(RSA.generate(2048).export_key().decode())  # the private key, by mistake
