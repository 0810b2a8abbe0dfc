"""Verifying a JWT's signature with the public key of a JWT identity provider, standard
library only: a minimal DER reader for the key (PEM "PUBLIC KEY", "RSA PUBLIC KEY" or
"CERTIFICATE"), RSA PKCS#1 v1.5 (RS256/384/512) with pow(), and ECDSA on P-256 (ES256).

Qlik's JWT IdP takes one static key per IdP (a PEM public key or certificate) and refuses HS*
signatures ("signed with an algorithm other than HS"); these are the algorithms its
tutorials and SDKs sign with.
"""
import base64
import hashlib
import re


class KeyError_(ValueError):
    pass


# ---- DER -------------------------------------------------------------------------------------

def _tlv(b, i):
    """(tag, value bytes, next index) of the DER element at b[i]."""
    if i + 2 > len(b):
        raise KeyError_("truncated DER")
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or i + k > len(b):
            raise KeyError_("bad DER length")
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    if i + n > len(b):
        raise KeyError_("truncated DER")
    return tag, b[i:i + n], i + n


def _children(b):
    out, i = [], 0
    while i < len(b):
        tag, v, i = _tlv(b, i)
        out.append((tag, v))
    return out


OID_RSA = bytes.fromhex("2a864886f70d010101")        # 1.2.840.113549.1.1.1
OID_EC = bytes.fromhex("2a8648ce3d0201")             # 1.2.840.10045.2.1
OID_P256 = bytes.fromhex("2a8648ce3d030107")         # 1.2.840.10045.3.1.7


def _rsa_pkcs1(der):
    n, e = [v for t, v in _children(_tlv(der, 0)[1]) if t == 0x02][:2]
    return ("RSA", int.from_bytes(n, "big"), int.from_bytes(e, "big"))


def _spki(der):
    """SubjectPublicKeyInfo -> ("RSA", n, e) | ("EC", x, y)."""
    (t1, alg), (t2, bits) = _children(_tlv(der, 0)[1])[:2]
    if t1 != 0x30 or t2 != 0x03 or not bits or bits[0] != 0:
        raise KeyError_("not a SubjectPublicKeyInfo")
    parts = _children(alg)
    oid = parts[0][1]
    if oid == OID_RSA:
        return _rsa_pkcs1(bits[1:])
    if oid == OID_EC:
        if len(parts) < 2 or parts[1][1] != OID_P256:
            raise KeyError_("only the P-256 curve is supported")
        pt = bits[1:]
        if len(pt) != 65 or pt[0] != 4:
            raise KeyError_("only uncompressed EC points are supported")
        return ("EC", int.from_bytes(pt[1:33], "big"), int.from_bytes(pt[33:], "big"))
    raise KeyError_("unsupported key algorithm")


def load_public_key(pem):
    """A PEM public key or certificate -> ("RSA", n, e) | ("EC", x, y); KeyError_ if not."""
    m = re.search(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", pem or "", re.S)
    if not m:
        raise KeyError_("not PEM")
    try:
        der = base64.b64decode("".join(m.group(2).split()), validate=True)
    except ValueError:
        raise KeyError_("bad base64 in PEM")
    kind = m.group(1)
    if kind == "PUBLIC KEY":
        return _spki(der)
    if kind == "RSA PUBLIC KEY":
        return _rsa_pkcs1(der)
    if kind == "CERTIFICATE":
        tbs = _children(_children(_tlv(der, 0)[1])[0][1])
        if tbs and tbs[0][0] == 0xA0:           # [0] version
            tbs = tbs[1:]
        # serial, signature, issuer, validity, subject, subjectPublicKeyInfo
        spki = tbs[5]
        return _spki(bytes([0x30]) + _der_len(len(spki[1])) + spki[1])
    raise KeyError_("unsupported PEM type %s" % kind)


def _der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


# ---- RSA PKCS#1 v1.5 -------------------------------------------------------------------------

_DIGEST_INFO = {   # DER prefix of DigestInfo per hash (RFC 8017 9.2 note 1)
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}


def _rsa_verify(n, e, msg, sig, hname):
    k = (n.bit_length() + 7) // 8
    if len(sig) != k or k < 128:                 # at least 1024 bits
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(k, "big")
    t = _DIGEST_INFO[hname] + hashlib.new(hname, msg).digest()
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return em == expected


# ---- ECDSA P-256 -----------------------------------------------------------------------------

_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
_A = _P - 3
_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b
_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
_G = (0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
      0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5)


def _add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % _P == 0:
        return None
    if p == q:
        lam = (3 * p[0] * p[0] + _A) * pow(2 * p[1], -1, _P) % _P
    else:
        lam = (q[1] - p[1]) * pow(q[0] - p[0], -1, _P) % _P
    x = (lam * lam - p[0] - q[0]) % _P
    return (x, (lam * (p[0] - x) - p[1]) % _P)


def _mul(k, p):
    r = None
    while k:
        if k & 1:
            r = _add(r, p)
        p = _add(p, p)
        k >>= 1
    return r


def _ec_verify(x, y, msg, sig):
    if len(sig) != 64 or (y * y - (x * x * x + _A * x + _B)) % _P:
        return False
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if not (0 < r < _N and 0 < s < _N):
        return False
    z = int.from_bytes(hashlib.sha256(msg).digest(), "big")
    w = pow(s, -1, _N)
    pt = _add(_mul(z * w % _N, _G), _mul(r * w % _N, (x, y)))
    return pt is not None and pt[0] % _N == r


ALGORITHMS = ("RS256", "RS384", "RS512", "ES256")


def verify(alg, key, signing_input, sig):
    """True if sig is alg's signature of signing_input under key (from load_public_key)."""
    if alg.startswith("RS") and alg in ALGORITHMS and key[0] == "RSA":
        return _rsa_verify(key[1], key[2], signing_input, sig, "sha" + alg[2:])
    if alg == "ES256" and key[0] == "EC":
        return _ec_verify(key[1], key[2], signing_input, sig)
    return False


def b64url(s):
    s = s + "=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s.encode("ascii"))
