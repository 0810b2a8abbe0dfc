"""Cursor paging as Qlik's list endpoints do it (users, roles, groups, spaces, ...).

The cursor is opaque to clients; here it is base64url JSON of the sort key of the last
(next) or first (prev) item of the page, so pages stay stable when items are added.
links.self/next/prev are ABSOLUTE URLs on the host the request came to: @qlik/api passes
links.next.href straight to fetch. next is absent on the last page, prev on the first.
"""
import base64
import bisect
import heapq
import json
import urllib.parse

from .errors import QlikError


def encode(sort, key):
    raw = json.dumps([sort, list(key)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor, sort, param):
    try:
        pad = "=" * (-len(cursor) % 4)
        s, key = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if s != sort:
            raise ValueError("cursor was made for another sort order")
        return tuple(key)
    except (ValueError, TypeError, json.JSONDecodeError) as e:
        raise QlikError(400, "HTTP-400", "Bad Request", "invalid %s cursor: %s" % (param, e),
                        source={"parameter": param})


_CACHE = {}                     # (cache_key, sort, state version) -> (keys, items) sorted


def page(ctx, items, keyfn, sort, descending, limit, cache_key=None):
    """items: all matching items. keyfn(item) -> comparable tuple (unique per item).
    Returns the response's {"data": page items, "links": {...}} (data still raw).

    With a cache_key (the same key for the same item set, e.g. tenant and filter), the
    sorted order is kept until the fake's state next changes (STATE.version), and each page
    is a binary search: a client reading a tenant of 100,000 users asks a thousand pages.
    Without one, one pass over the items and a heap of limit + 1."""
    if cache_key is not None:
        return _page_cached(ctx, items, keyfn, sort, descending, limit, cache_key)
    nxt, prv = ctx.arg("next"), ctx.arg("prev")
    if nxt is not None and prv is not None:
        raise QlikError(400, "HTTP-400", "Bad Request", "next and prev cannot be used together",
                        source={"parameter": "prev"})
    first = heapq.nlargest if descending else heapq.nsmallest
    last = heapq.nsmallest if descending else heapq.nlargest
    keyed = [(keyfn(i), i) for i in items]

    def after(k, ref):          # k comes after ref in output order
        return k < ref if descending else k > ref

    if prv is not None:
        ref = decode(prv, sort, "prev")
        before = [ki for ki in keyed if after(ref, ki[0])]
        # the limit items just before ref, in output order; more before them?
        chosen_k = sorted(last(limit + 1, before, key=_k0), key=_k0, reverse=descending)
        has_prev = len(chosen_k) > limit
        chosen_k = chosen_k[-limit:] if has_prev else chosen_k
        has_next = True
    else:
        if nxt is not None:
            ref = decode(nxt, sort, "next")
            rest = [ki for ki in keyed if after(ki[0], ref)]
        else:
            rest = keyed
        chosen_k = sorted(first(limit + 1, rest, key=_k0), key=_k0, reverse=descending)
        has_next = len(chosen_k) > limit
        chosen_k = chosen_k[:limit]
        has_prev = nxt is not None and len(rest) < len(keyed)
    chosen = [i for _, i in chosen_k]
    links = {"self": {"href": _href(ctx, None)}}
    if chosen and has_next:
        links["next"] = {"href": _href(ctx, ("next", encode(sort, chosen_k[-1][0])))}
    if chosen and has_prev:
        links["prev"] = {"href": _href(ctx, ("prev", encode(sort, chosen_k[0][0])))}
    return chosen, links


def _k0(ki):
    return ki[0]


def _page_cached(ctx, items, keyfn, sort, descending, limit, cache_key):
    from .state import STATE
    nxt, prv = ctx.arg("next"), ctx.arg("prev")
    if nxt is not None and prv is not None:
        raise QlikError(400, "HTTP-400", "Bad Request", "next and prev cannot be used together",
                        source={"parameter": "prev"})
    ck = (cache_key, sort, STATE.version)
    hit = _CACHE.get(ck)
    if hit is None:
        if len(_CACHE) > 64:
            _CACHE.clear()
        keyed = sorted(((keyfn(i), i) for i in items), key=_k0)
        hit = _CACHE[ck] = ([k for k, _ in keyed], [i for _, i in keyed])
    keys, ordered = hit                 # ascending
    n = len(keys)
    # positions in output order: ascending, or descending read from the end
    if prv is not None:
        ref = decode(prv, sort, "prev")
        if descending:                  # items before ref in output order: keys > ref
            lo = bisect.bisect_right(keys, ref)
            idx = list(range(min(n, lo + limit) - 1, lo - 1, -1))
            has_prev = lo + limit < n
        else:
            hi = bisect.bisect_left(keys, ref)
            idx = list(range(max(0, hi - limit), hi))
            has_prev = hi - limit > 0
        has_next = True
    else:
        if descending:
            hi = bisect.bisect_left(keys, decode(nxt, sort, "next")) if nxt is not None else n
            idx = list(range(hi - 1, max(0, hi - limit) - 1, -1))
            has_next = hi - limit > 0
            has_prev = nxt is not None and hi < n
        else:
            lo = bisect.bisect_right(keys, decode(nxt, sort, "next")) if nxt is not None else 0
            idx = list(range(lo, min(n, lo + limit)))
            has_next = lo + limit < n
            has_prev = nxt is not None and lo > 0
    chosen = [ordered[i] for i in idx]
    links = {"self": {"href": _href(ctx, None)}}
    if chosen and has_next:
        links["next"] = {"href": _href(ctx, ("next", encode(sort, keys[idx[-1]])))}
    if chosen and has_prev:
        links["prev"] = {"href": _href(ctx, ("prev", encode(sort, keys[idx[0]])))}
    return chosen, links


def _href(ctx, cursor):
    if cursor is None:
        return ctx.base + ctx.path + ("?" + ctx.query if ctx.query else "")
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(ctx.query, keep_blank_values=True)
             if k not in ("next", "prev")]
    pairs.append(cursor)
    return ctx.base + ctx.path + "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe=",")
