"""Small helpers shared by every module: ids, timestamps, JSON."""
import base64
import datetime
import itertools
import json
import os
import secrets
import threading
import time

_counter = itertools.count(secrets.randbelow(1 << 24))
_counter_lock = threading.Lock()


# The fake's clock: wall time plus an offset that the control call POST /clock advances
# (tenant purge dates are days away). Token expiry, rate-limit windows and timestamps all
# follow it.
_offset = 0.0


def now():
    return time.time() + _offset


def advance_clock(seconds):
    global _offset
    _offset += float(seconds)
    return _offset


def reset_clock():
    global _offset
    _offset = 0.0


def clock_offset():
    return _offset


def iso(ts, ms=True):
    """ISO-8601 UTC the way Qlik writes it: 2023-07-30T14:01:22.000Z."""
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    if ms:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    """Inverse of iso() (also accepts no fraction / +00:00); returns epoch seconds."""
    t = text.strip().replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(t).timestamp()


def object_id(ts=None):
    """A 24-hex id shaped like a MongoDB ObjectId (what Qlik uses for users, roles, groups,
    spaces ...): 4 bytes of creation time, 5 random bytes, 3 bytes of counter. Sorting by
    id therefore roughly follows creation order, as in Qlik."""
    ts = int(now() if ts is None else ts) & 0xFFFFFFFF
    with _counter_lock:
        c = next(_counter) & 0xFFFFFF
    return "%08x%s%06x" % (ts, secrets.token_hex(5), c)


def tenant_id():
    """Tenant ids are 32 base64url-like characters, e.g. TZXk9rFMoKgp7sgAwvczdAlKSSWuaa3e."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(secrets.choice(alphabet) for _ in range(32))


def trace_id():
    """Qlik traceIds: 32 hex digits, the first 16 usually zero."""
    return "0" * 16 + secrets.token_hex(8)


def access_token():
    """Opaque bearer token. Real Qlik tokens are JWTs; clients must treat them as opaque."""
    return base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=")


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
