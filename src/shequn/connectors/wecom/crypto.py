"""WeCom's callback crypto (企业微信回调加解密), written on ``cryptography``.

WeCom posts every callback encrypted and signed; the receiver must check both before it
believes a word. The scheme, from WeCom's documentation (加解密方案说明):

- ``AESKey = base64decode(EncodingAESKey + "=")`` — 32 bytes, AES-256-CBC, IV = its first 16;
- PKCS#7 padding to **32**-byte blocks (not AES's 16: WeCom's own choice, so we pad by hand);
- plaintext = 16 random bytes + 4-byte big-endian length + message + receive id;
- ``msg_signature = sha1(sorted([token, timestamp, nonce, ciphertext]) joined)``, hex.

The receive id of a corp's own app is the corp id, and it **must** match: a ciphertext made for
another corp under a leaked key is refused here (some SCRM code skips this check). Every
failure is a :class:`CallbackRejected` with a reason that never contains the key or token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

import defusedxml.ElementTree as SafeXML
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shequn.connectors.base import ConnectorError
from shequn.model.i18n import Said

BLOCK = 32
"""WeCom pads to 32-byte blocks (PKCS#7 with k = 32)."""


class CallbackRejected(ConnectorError):
    """A callback failed the signature, the decryption or the receive-id check."""

    status = 401


def signature(token: str, timestamp: str, nonce: str, ciphertext: str) -> str:
    """WeCom's ``msg_signature``: SHA-1 over the four strings sorted and concatenated."""
    joined = "".join(sorted([token, timestamp, nonce, ciphertext]))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324  # WeCom's protocol, not ours


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey."""
    if len(encoding_aes_key) != 43:
        raise ValueError(Said("the EncodingAESKey must be 43 characters"))
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as e:
        raise ValueError(Said("the EncodingAESKey is not base64")) from e
    if len(key) != 32:
        raise ValueError(Said("the EncodingAESKey must decode to 32 bytes"))
    return key


class CallbackCrypto:
    """Checks, decrypts and (for tests and replies) encrypts one corp app's callbacks."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self._token = token
        self._key = aes_key(encoding_aes_key)
        self.receive_id = receive_id

    def __repr__(self) -> str:  # never show the token or the key
        return f"CallbackCrypto(receive_id={self.receive_id!r})"

    # --- receiving ------------------------------------------------------------------------

    def verify(self, msg_signature: str, timestamp: str, nonce: str, ciphertext: str) -> None:
        """Raise :class:`CallbackRejected` unless ``msg_signature`` signs the ciphertext."""
        expected = signature(self._token, timestamp, nonce, ciphertext)
        if not hmac.compare_digest(expected, msg_signature.lower()):
            raise CallbackRejected(Said("the callback's msg_signature does not match"))

    def decrypt(self, ciphertext: str) -> bytes:
        """The message inside ``ciphertext`` (base64), once its receive id is the corp's."""
        try:
            raw = base64.b64decode(ciphertext, validate=True)
        except binascii.Error:
            raise CallbackRejected(Said("the callback's ciphertext is not base64")) from None
        if not raw or len(raw) % 16:
            raise CallbackRejected(Said("the callback's ciphertext is not whole AES blocks"))
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        pad = padded[-1]
        if not 1 <= pad <= BLOCK or padded[-pad:] != bytes([pad]) * pad:
            raise CallbackRejected(Said("the callback's padding is wrong (another key?)"))
        plain = padded[:-pad]
        if len(plain) < 20:
            raise CallbackRejected(Said("the callback's plaintext is too short"))
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CallbackRejected(Said("the callback's message length is wrong"))
        message, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise CallbackRejected(Said("the callback was encrypted for another receive id"))
        return message

    def open(self, msg_signature: str, timestamp: str, nonce: str, ciphertext: str) -> bytes:
        """Verify, then decrypt: the one call a receiver needs (also for ``echostr``)."""
        self.verify(msg_signature, timestamp, nonce, ciphertext)
        return self.decrypt(ciphertext)

    def open_xml(self, msg_signature: str, timestamp: str, nonce: str, body: bytes) -> bytes:
        """The message of a POSTed callback body ``<xml><Encrypt>…</Encrypt></xml>``."""
        return self.open(msg_signature, timestamp, nonce, encrypted_field(body))

    # --- sending (replies, and the fake WeCom of the tests) ----------------------------------

    def encrypt(self, message: bytes, *, random16: bytes | None = None) -> str:
        """``message`` encrypted for this receive id, base64 — what WeCom would send."""
        prefix = random16 if random16 is not None else os.urandom(16)
        plain = prefix + struct.pack(">I", len(message)) + message + self.receive_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        raw = encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(raw).decode()

    def seal(self, message: bytes, timestamp: str, nonce: str) -> tuple[str, str]:
        """``(ciphertext, msg_signature)`` for ``message``."""
        ciphertext = self.encrypt(message)
        return ciphertext, signature(self._token, timestamp, nonce, ciphertext)


def encrypted_field(body: bytes) -> str:
    """The ``Encrypt`` element of a callback body, parsed safely (no entities, no DTDs)."""
    try:
        root = SafeXML.fromstring(body)
    except Exception as e:  # defusedxml's refusals and ParseError alike
        raise CallbackRejected(
            Said("the callback body is not safe XML ({error})", error=type(e).__name__)
        ) from None
    text: object = root.findtext("Encrypt")
    if not isinstance(text, str) or not text.strip():
        raise CallbackRejected(Said("the callback body has no Encrypt element"))
    return text.strip()
