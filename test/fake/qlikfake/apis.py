"""The names of Qlik Cloud's REST APIs (the first segment after /api/v1/), for telling "an API
of Qlik that the fake does not serve" (501) from "no such path" (404).

tiers.py lists every operation of the specs mirrored in shared/qlik-openapi; Qlik has more
APIs than that (automations, reloads, data files, ...: qlik.dev's REST API reference lists
them). A request to one of them is a real call a Qlik client makes (step 5 of Qlik's own
Postman collection calls /api/v1/automations), so it gets 501 "not implemented" rather than a
404 that would read as "Qlik has no such thing". Unknown objects on served paths keep their
404 (that is the handlers' answer, not the router's).
"""

QLIK_APIS = frozenset("""
    api-keys apps assistants audits automation-connections automation-connectors automations
    automl-deployments automl-predictions brands collections conditions consumption
    csp-origins csrf-token data-alerts data-assets data-connections data-credentials
    data-files data-products data-qualities data-sets data-sources data-stores di-projects
    direct-access-agents encryption extensions glossaries groups identity-providers items
    knowledgebases licenses lineage-graphs ml notes notifications oauth-clients oauth-tokens
    questions quotas reload-tasks reloads report-templates reports roles sharing-tasks spaces
    tasks temp-contents tenant-settings tenants themes transports ui-config users
    web-integrations web-notifications webhooks
""".split())


def is_qlik_api(path):
    """True for a path of one of Qlik's REST APIs (/api/v1/<name>[/...])."""
    parts = [p for p in path.split("/") if p]
    return len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1" and parts[2] in QLIK_APIS
