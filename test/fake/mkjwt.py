#!/usr/bin/env python3
"""mkjwt.py KEY.pem ALG KID CLAIMS.json: prints a JWT signed with KEY (an RSA or P-256
private key in PEM) by openssl, for tests of POST /login/jwt-session. ALG: RS256 | ES256.
CLAIMS may use "now+N"/"now-N" strings for numbers relative to the current time (plus
$JWT_CLOCK_OFFSET seconds: the fake's clock may have been moved forward)."""
import os
import base64
import json
import re
import subprocess
import sys
import time


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def der_ints(der):
    """r and s of a DER ECDSA signature."""
    n, i = der[1], 2
    if n & 0x80:
        k = n & 0x7F
        n, i = int.from_bytes(der[2:2 + k], "big"), 2 + k
    body = der[i:i + n]
    out, i = [], 0
    while i < len(body):
        n = body[i + 1]
        out.append(int.from_bytes(body[i + 2:i + 2 + n], "big"))
        i += 2 + n
    return out


key, alg, kid, claims = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
now = int(time.time() + float(os.environ.get("JWT_CLOCK_OFFSET") or 0))
for k, v in list(claims.items()):
    m = re.fullmatch(r"now([+-]\d+)?", str(v))
    if m:
        claims[k] = now + int(m.group(1) or 0)
head = {"alg": alg, "typ": "JWT", "kid": kid}
si = b64(json.dumps(head).encode()) + "." + b64(json.dumps(claims).encode())
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=si.encode(),
                     capture_output=True, check=True).stdout
if alg == "ES256":
    r, s = der_ints(sig)
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
print(si + "." + b64(sig))
