"""Request counters and the request log (what tests read back to check the client's
behaviour: how many calls, which retries, whether a token leaked to another host)."""
import base64
import collections
import hashlib
import json
import threading
import urllib.parse

from . import util
from .faults import host_match, path_match

LOG_MAX = 10000
SECRET_FIELDS = ("client_secret", "client_assertion", "refresh_token", "code_verifier",
                 "password")


def _status_match(pattern, status):
    if pattern in (None, ""):
        return True
    p = str(pattern).lower()
    if len(p) == 3 and p.endswith("xx"):
        return str(status).startswith(p[0])
    return str(status) == p


def redact_headers(headers):
    out = []
    for k, v in headers:
        if k.lower() == "authorization":
            scheme = v.split(" ", 1)[0] if v else ""
            v = "%s <redacted>" % scheme if scheme else "<redacted>"
        out.append([k, v])
    return out


def redact_body(body, content_type):
    """Body as text for the log, with secrets replaced; binary bodies summarised."""
    if not body:
        return ""
    if len(body) > 65536:
        return "<%d bytes>" % len(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "<%d bytes, binary>" % len(body)
    ct = (content_type or "").lower()
    if "json" in ct or text[:1] in "{[":
        try:
            obj = json.loads(text)
            if isinstance(obj, dict):
                for k in SECRET_FIELDS:
                    if k in obj:
                        obj[k] = "<redacted>"
                return json.dumps(obj, ensure_ascii=False)
        except ValueError:
            pass
    if "x-www-form-urlencoded" in ct:
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
        return urllib.parse.urlencode([(k, "<redacted>" if k in SECRET_FIELDS else v)
                                       for k, v in pairs])
    return text


class Observer:
    def __init__(self):
        self.lock = threading.Lock()
        self.seq = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.counts = collections.Counter()
            self.total = 0
            self.log = collections.deque(maxlen=LOG_MAX)

    def clear_log(self):
        with self.lock:
            self.log.clear()

    def reset_counters(self):
        with self.lock:
            self.counts = collections.Counter()
            self.total = 0

    def record(self, entry, status):
        """entry: the dict made by the pipeline at request start; status 0 = no response."""
        entry["status"] = status
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.counts[(entry["host"], entry["method"], entry["path"], status)] += 1
            self.total += 1
            self.log.append(entry)

    def counters(self, host=None, path=None, method=None, status=None):
        with self.lock:
            by = [{"host": h, "method": m, "path": p, "status": s, "count": c}
                  for (h, m, p, s), c in sorted(self.counts.items(), key=lambda kv: tuple(map(str, kv[0])))]
            total = self.total
        out = {"total": total, "by": by}
        if any(v not in (None, "") for v in (host, path, method, status)):
            match = [b for b in by if host_match(host, b["host"]) and path_match(path, b["path"])
                     and (not method or method.upper() == b["method"])
                     and _status_match(status, b["status"])]
            out["by"] = match
            out["count"] = sum(b["count"] for b in match)
        else:
            out["count"] = total
        return out

    def requests(self, host=None, path=None, method=None, status=None, last=None):
        with self.lock:
            entries = list(self.log)
        entries = [e for e in entries if host_match(host, e["host"]) and path_match(path, e["path"])
                   and (not method or method.upper() == e["method"])
                   and _status_match(status, e["status"])]
        if last:
            entries = entries[-int(last):]
        return {"count": len(entries), "requests": entries}


def body_facts(body):
    """The exact bytes a client sent, for tests of binary and large bodies (the "body" field
    is text made for reading): their size and SHA-256, and a binary body of at most 64 kB in
    base64 (a text body is in "body", its secrets redacted)."""
    if not body:
        return {}
    out = {"body_size": len(body), "body_sha256": hashlib.sha256(body).hexdigest()}
    if len(body) <= 65536:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            out["body_base64"] = base64.b64encode(body).decode("ascii")
    return out


def new_entry(host, sni, method, path, query, headers, body, peer):
    ct = next((v for k, v in headers if k.lower() == "content-type"), "")
    entry = {"time": util.iso(util.now()), "host": host, "sni": sni, "method": method,
             "path": path, "query": query, "headers": redact_headers(headers),
             "body": redact_body(body, ct), "peer": peer}
    entry.update(body_facts(body))
    return entry


OBSERVER = Observer()
