"""One module per Qlik API. Importing a module registers its routes (routing.route) and its
state hooks. Add new modules to MODULES."""
import importlib

MODULES = ["oauth", "users", "tenants", "temp_contents",
           "licenses", "roles", "groups", "web_integrations", "csp_origins", "identity_providers",
           # after groups: space seeds may assign seeded groups; apps seed into spaces
           "spaces", "items", "apps",
           # reloads of apps, and their schedules (after apps)
           "reloads", "reload_tasks",
           # the Organization APIs (console host)
           "org_tenants",
           # JWT session login (after identity_providers and groups)
           "login"]


def load():
    for name in MODULES:
        importlib.import_module(__name__ + "." + name)
