"""A stateful fake of Qlik Cloud's REST APIs for the qlikcloud extension's tests.

Layout:
  main.py        command line, start-up, signals
  server.py      HTTPS plumbing and the request pipeline (hosts, faults, auth, rate limits)
  control.py     the plain-HTTP control interface (seed, faults, counters, ...)
  state.py       tenants, regions, OAuth clients, tokens, users, roles
  errors.py      Qlik error bodies, per service
  routing.py     path templates and the route registry
  tiers.py       rate-limit tier per operation (generated from Qlik's OpenAPI documents)
  ratelimit.py   per tenant x user x tier sliding windows
  faults.py      injected faults and latency
  observe.py     counters and the request log
  scim.py        SCIM filter parsing (users, later groups and roles)
  paging.py      cursor paging with absolute links
  resources/     one module per Qlik API (oauth, users, tenants, ...)
"""
