------------------------------------------------------------------------------
-- Views for everyday questions
------------------------------------------------------------------------------
CREATE VIEW qlikcloud.customers_without_tenant AS
    SELECT m.customer_key, m.state, m.registered_at, m.failed_step, m.last_error
    FROM qlikcloud.managed_tenants m
    WHERE m.tenant_id IS NULL AND m.state NOT IN ('cancelled', 'purged')
    UNION ALL
    SELECT DISTINCT ON (j.customer_key) j.customer_key, 'queued', NULL::timestamptz, NULL, j.last_error
    FROM qlikcloud.jobs j
    WHERE j.workflow IN ('onboard', 'create_tenant') AND j.state IN ('queued', 'running')
      AND NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.customer_key = j.customer_key);
COMMENT ON VIEW qlikcloud.customers_without_tenant IS
'Customers queued or registered for onboarding that have no tenant yet. Customers of yours never queued: LEFT JOIN qlikcloud.managed_tenants ON customer_key.';

CREATE VIEW qlikcloud.failed_customers AS
    SELECT m.customer_key, m.state, m.failed_step, m.last_sqlstate, m.last_error, m.failed_at,
           j.id AS job_id, j.workflow, j.state AS job_state, j.attempts,
           CASE
             WHEN m.state = 'needs_operator' AND m.tenant_id IS NULL
               THEN 'find the tenant: SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id); none: SELECT qlikcloud.qlik_confirm_new_tenant(customer_key)'
             WHEN m.state = 'needs_operator'
               THEN 'fix what last_error says (alias_hostname?), then CALL qlikcloud.qlik_onboard(customer_key)'
             ELSE 'fix what last_error says, then CALL qlikcloud.qlik_onboard(customer_key) or SELECT qlikcloud.qlik_retry_job(job_id)'
           END AS what_to_do
    FROM qlikcloud.managed_tenants m
    LEFT JOIN LATERAL (SELECT * FROM qlikcloud.jobs j WHERE j.customer_key = m.customer_key
                       ORDER BY j.id DESC LIMIT 1) AS j ON true
    WHERE m.state IN ('failed', 'needs_operator') OR j.state = 'dead';
COMMENT ON VIEW qlikcloud.failed_customers IS
'Customers whose workflow stopped: why (last_error, failed_step), its last job, and what to do.';

CREATE VIEW qlikcloud.deactivated_tenants AS
    SELECT m.customer_key, m.tenant_id, m.hostname, m.alias_hostname, m.state, m.deactivated_at,
           m.purge_date, m.purged_at, m.synced_at
    FROM qlikcloud.managed_tenants m
    WHERE m.state IN ('deactivated', 'purged');
COMMENT ON VIEW qlikcloud.deactivated_tenants IS
'Deactivated tenants and when Qlik will purge them (purge_date NULL: deactivated outside these workflows, date unknown), and purged ones.';

REVOKE ALL ON qlikcloud.customers_without_tenant, qlikcloud.failed_customers, qlikcloud.deactivated_tenants FROM PUBLIC;
GRANT SELECT ON qlikcloud.customers_without_tenant, qlikcloud.failed_customers, qlikcloud.deactivated_tenants
    TO qlikcloud_user;
