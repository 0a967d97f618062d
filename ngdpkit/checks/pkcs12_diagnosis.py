"""Why a .p12/.pfx would not open: a wrong password, or a damaged file (contract §10).

``cryptography`` raises the same ``ValueError`` for both. A consultant told "wrong
password" for a file that was damaged on the way (a byte flipped, a text-mode copy)
asks the customer for the password again and again, so the kit looks closer:

1. the PFX structure (RFC 7292) is walked as DER; a structure that does not parse is damaged;
2. the integrity MAC is computed with the password (PKCS#12 key derivation, appendix B):
   when it verifies, the password is right and the file is damaged;
3. otherwise each PBES2 (PBKDF2 + AES-CBC) encrypted part is decrypted with the password:
   valid padding and DER in every part means the password is right (a wrong key gives
   valid padding about once in 256 tries per part), so the MAC or the parts are damaged.

Anything the kit cannot decide (legacy 3DES/RC2 encryption only, BER indefinite lengths)
stays "password": the old answer, never a false "damaged".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

CORRUPT, PASSWORD = "corrupt", "password"


def _oid(dotted: str) -> bytes:
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for n in parts[2:]:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


DATA, ENCRYPTED_DATA = _oid("1.2.840.113549.1.7.1"), _oid("1.2.840.113549.1.7.6")
SHROUDED_KEY_BAG = _oid("1.2.840.113549.1.12.10.1.2")
PBES2, PBKDF2 = _oid("1.2.840.113549.1.5.13"), _oid("1.2.840.113549.1.5.12")
DIGESTS = {
    _oid("1.3.14.3.2.26"): ("sha1", 64),
    _oid("2.16.840.1.101.3.4.2.4"): ("sha224", 64),
    _oid("2.16.840.1.101.3.4.2.1"): ("sha256", 64),
    _oid("2.16.840.1.101.3.4.2.2"): ("sha384", 128),
    _oid("2.16.840.1.101.3.4.2.3"): ("sha512", 128),
}
PRFS = {
    _oid("1.2.840.113549.2.7"): "sha1",
    _oid("1.2.840.113549.2.8"): "sha224",
    _oid("1.2.840.113549.2.9"): "sha256",
    _oid("1.2.840.113549.2.10"): "sha384",
    _oid("1.2.840.113549.2.11"): "sha512",
}
AES = {
    _oid("2.16.840.1.101.3.4.1.2"): 16,
    _oid("2.16.840.1.101.3.4.1.22"): 24,
    _oid("2.16.840.1.101.3.4.1.42"): 32,
}


class Damaged(ValueError):
    """The DER does not parse where RFC 7292 says what must be there."""


class Undecided(ValueError):
    """Something the kit does not read (BER indefinite length, an unknown algorithm)."""


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, value start, value end) of the element at ``pos``."""
    if pos + 2 > len(data):
        raise Damaged("truncated")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first == 0x80:
        raise Undecided("indefinite length")
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n > 4 or pos + n > len(data):
            raise Damaged("bad length")
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    if pos + length > len(data):
        raise Damaged("length past the end")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out, pos = [], start
    while pos < end:
        tag, vs, ve = _tlv(data, pos)
        if ve > end:
            raise Damaged("element past its parent")
        out.append((tag, vs, ve))
        pos = ve
    return out


def _expect(item: tuple[int, int, int], tag: int) -> tuple[int, int]:
    if item[0] != tag:
        raise Damaged(f"tag {item[0]:#x} where {tag:#x} belongs")
    return item[1], item[2]


def _content_info(data: bytes, start: int, end: int) -> tuple[bytes, int, int]:
    """(content type OID bytes, start, end of the [0] EXPLICIT content's value)."""
    kids = _children(data, start, end)
    if len(kids) < 2:
        raise Damaged("ContentInfo too short")
    os_, oe = _expect(kids[0], 0x06)
    cs, ce = _expect(kids[1], 0xA0)
    return data[os_:oe], cs, ce


def _pkcs12_key(password: str, salt: bytes, iterations: int, digest: str, block: int) -> bytes:
    """RFC 7292 appendix B.2, ID 3 (the MAC key), as long as the digest."""
    u = hashlib.new(digest).digest_size
    pw = (password.encode("utf-16-be") + b"\x00\x00") if password else b""
    d = bytes([3]) * block

    def fill(b: bytes) -> bytes:
        if not b:
            return b""
        size = block * -(-len(b) // block)
        return (b * (size // len(b) + 1))[:size]

    i = bytearray(fill(salt) + fill(pw))
    out = b""
    while len(out) < u:
        a = d + bytes(i)
        for _ in range(iterations):
            a = hashlib.new(digest, a).digest()
        out += a
        b = int.from_bytes((a * (block // len(a) + 1))[:block], "big")
        for j in range(0, len(i), block):
            chunk = (int.from_bytes(i[j : j + block], "big") + b + 1) % (1 << (8 * block))
            i[j : j + block] = chunk.to_bytes(block, "big")
    return out[:u]


def _mac_verifies(data: bytes, mac: tuple[int, int], signed: bytes, password: str) -> bool:
    kids = _children(data, *mac)
    info_s, info_e = _expect(kids[0], 0x30)
    info = _children(data, info_s, info_e)
    alg = _children(data, *_expect(info[0], 0x30))
    oid = data[slice(*_expect(alg[0], 0x06))]
    if oid not in DIGESTS:
        raise Undecided("MAC digest")
    digest, block = DIGESTS[oid]
    expected = data[slice(*_expect(info[1], 0x04))]
    salt = data[slice(*_expect(kids[1], 0x04))]
    iterations = int.from_bytes(data[slice(*_expect(kids[2], 0x02))], "big") if len(kids) > 2 else 1
    if iterations > 10_000_000:
        raise Undecided("iterations")
    key = _pkcs12_key(password, salt, iterations, digest, block)
    return hmac.compare_digest(hmac.new(key, signed, digest).digest(), expected)


def _encrypted_parts(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(algorithm identifier start, end, ciphertext start, end) of every encrypted part."""
    for ctype, cs, ce in (
        _content_info(data, s, e)
        for s, e in (_expect(k, 0x30) for k in _children(data, start, end))
    ):
        inner = _children(data, cs, ce)
        if ctype == DATA:
            os_, oe = _expect(inner[0], 0x04)
            safe_contents = _expect(_tlv(data, os_), 0x30)
            for bag in _children(data, *safe_contents):  # plain; its key bags are shrouded
                bs, be = _expect(bag, 0x30)
                bag_kids = _children(data, bs, be)
                if data[slice(*_expect(bag_kids[0], 0x06))] == SHROUDED_KEY_BAG:
                    epki = _children(data, *_expect(bag_kids[1], 0xA0))
                    key_info = _children(data, *_expect(epki[0], 0x30))
                    alg = _expect(key_info[0], 0x30)
                    ct = _expect(key_info[1], 0x04)
                    yield alg[0], alg[1], ct[0], ct[1]
        elif ctype == ENCRYPTED_DATA:
            enc = _children(data, *_expect(inner[0], 0x30))
            eci = _children(data, *_expect(enc[1], 0x30))
            alg = _expect(eci[1], 0x30)
            if len(eci) < 3 or eci[2][0] != 0x80:
                raise Undecided("encrypted content form")
            yield alg[0], alg[1], eci[2][1], eci[2][2]
        else:
            raise Undecided("content type")


def _decrypts(data: bytes, alg: tuple[int, int], ct: tuple[int, int], password: str) -> bool:
    """Whether a PBES2 part decrypts to valid padding and DER with ``password``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    kids = _children(data, *alg)
    if data[slice(*_expect(kids[0], 0x06))] != PBES2:
        raise Undecided("not PBES2")
    params = _children(data, *_expect(kids[1], 0x30))
    kdf = _children(data, *_expect(params[0], 0x30))
    if data[slice(*_expect(kdf[0], 0x06))] != PBKDF2:
        raise Undecided("not PBKDF2")
    kdf_params = _children(data, *_expect(kdf[1], 0x30))
    salt = data[slice(*_expect(kdf_params[0], 0x04))]
    iterations = int.from_bytes(data[slice(*_expect(kdf_params[1], 0x02))], "big")
    prf = "sha1"
    for extra in kdf_params[2:]:
        if extra[0] == 0x30:
            prf_oid = data[slice(*_expect(_children(data, extra[1], extra[2])[0], 0x06))]
            if prf_oid not in PRFS:
                raise Undecided("PRF")
            prf = PRFS[prf_oid]
    scheme = _children(data, *_expect(params[1], 0x30))
    cipher_oid = data[slice(*_expect(scheme[0], 0x06))]
    if cipher_oid not in AES or iterations > 10_000_000:
        raise Undecided("cipher")
    iv = data[slice(*_expect(scheme[1], 0x04))]
    algorithm: hashes.HashAlgorithm = {
        "sha1": hashes.SHA1(), "sha224": hashes.SHA224(), "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(), "sha512": hashes.SHA512(),
    }[prf]  # fmt: skip
    key = PBKDF2HMAC(algorithm, AES[cipher_oid], salt, iterations).derive(password.encode("utf-8"))
    blob = data[slice(*ct)]
    if not blob or len(blob) % 16 or len(iv) != 16:
        return False
    plain = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(blob)
    pad = plain[-1]
    if not 1 <= pad <= 16 or plain[-pad:] != bytes([pad]) * pad:
        return False
    try:
        tag, _, end = _tlv(plain, 0)
    except ValueError:
        return False
    return tag == 0x30 and end == len(plain) - pad


def diagnose(data: bytes, password: str) -> str:
    """``corrupt`` when the file is damaged, ``password`` when the password is wrong (or
    when the kit cannot tell)."""
    verdict = _diagnose(data, password)
    if verdict == PASSWORD and b"\r\n" in data and _a_text_mode_copy(data, password):
        return CORRUPT
    return verdict


def _a_text_mode_copy(data: bytes, password: str) -> bool:
    """Whether ``data`` is a .p12 copied in text mode (every 0x0A byte written as 0x0D 0x0A,
    as an FTP ASCII transfer or a text-mode copy does) whose MAC verifies with ``password``
    once that is undone: damage, not the password. An inserted byte can shift a length
    byte so that the frame reads as an indefinite length, which the kit cannot decide on
    (1 text-mode copy in about 400 was said to be a wrong password)."""
    undone = data.replace(b"\r\n", b"\n")
    try:
        pfx = _children(undone, *_expect(_tlv(undone, 0), 0x30))
        ctype, auth_s, auth_e = _signed(undone, pfx)
        return ctype == DATA and _mac_holds(undone, pfx, (auth_s, auth_e), password)
    except (Damaged, Undecided, IndexError, ValueError, KeyError):
        return False


def _signed(data: bytes, pfx: list[tuple[int, int, int]]) -> tuple[bytes, int, int]:
    """The PFX's content type and, in password integrity mode (``DATA``), the start and end
    of the authenticated safe its MAC signs (0, 0 otherwise)."""
    ctype, cs, ce = _content_info(data, *_expect(pfx[1], 0x30))
    if ctype != DATA:
        return ctype, 0, 0
    auth_s, auth_e = _expect(_children(data, cs, ce)[0], 0x04)
    return ctype, auth_s, auth_e


def _mac_holds(
    data: bytes, pfx: list[tuple[int, int, int]], auth: tuple[int, int], password: str
) -> bool:
    """Whether the PFX has a MAC and it verifies over the authenticated safe with ``password``."""
    return len(pfx) > 2 and _mac_verifies(
        data, _expect(pfx[2], 0x30), data[auth[0] : auth[1]], password
    )


def _diagnose(data: bytes, password: str) -> str:
    try:
        pfx = _children(data, *_expect(_tlv(data, 0), 0x30))
        if len(pfx) < 2 or data[slice(*_expect(pfx[0], 0x02))] != b"\x03":
            return CORRUPT
        ctype, auth_s, auth_e = _signed(data, pfx)
        if ctype != DATA:
            return PASSWORD  # public-key integrity mode: not used for these certificates
        if _mac_holds(data, pfx, (auth_s, auth_e), password):
            return CORRUPT  # the password is right: what follows it is damaged
        try:
            parts = list(_encrypted_parts(data, *_expect(_tlv(data, auth_s), 0x30)))
        except Damaged:  # deeper than the PFX frame the kit is not sure enough to say "damaged"
            return PASSWORD
        if parts and all(_decrypts(data, (a, b), (c, d), password) for a, b, c, d in parts):
            return CORRUPT
        return PASSWORD
    except Damaged:
        return CORRUPT
    except (Undecided, IndexError, ValueError, KeyError):
        return PASSWORD
