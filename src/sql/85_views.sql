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

------------------------------------------------------------------------------
-- Watching it run (what each runner does now: pg_stat_activity.query)
------------------------------------------------------------------------------
CREATE VIEW qlikcloud.rate_limit_usage AS
    SELECT s.host, s.tier, l.per_minute, l.window_seconds,
           c.calls_in_window, c.calls_ahead,
           greatest(0, floor(l.per_minute * l.window_seconds / 60.0 * 0.9)::integer
                       - c.calls_in_window - c.calls_ahead) AS budget_left,
           s.calls AS calls_total, s.waits, s.waited_seconds, s.last_wait_at,
           s.responses_429, s.last_429_at, s.last_retry_after
    FROM qlikcloud.rate_stats s
    LEFT JOIN qlikcloud.rate_limits l ON l.tier = s.tier
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE r.at <= now())::integer AS calls_in_window,
               count(*) FILTER (WHERE r.at > now())::integer AS calls_ahead
        FROM qlikcloud.rate_calls r
        WHERE r.bucket = s.host || ' tier ' || s.tier
          AND r.at > now() - make_interval(secs => coalesce(l.window_seconds, 300))) AS c ON true;
COMMENT ON VIEW qlikcloud.rate_limit_usage IS
'Per host and rate-limit tier the runners used: calls made in Qlik''s window (window_seconds) and reserved to go later (calls_ahead), the budget left of the 90% of the limit runners keep to, calls ever reserved, the waits pacing made them take (count, seconds, last), and the 429s Qlik answered (count, last, its Retry-After). Calls are counted for shared hosts (register hosts, license, admin and template sources); 429s for any host a runner called.';

CREATE VIEW qlikcloud.workflow_step_stats AS
    SELECT j.workflow, s.step, count(*) AS runs, count(*) FILTER (WHERE NOT s.ok) AS failures,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.finished_at - s.started_at))
               AS median_seconds,
           max(extract(epoch FROM s.finished_at - s.started_at)) AS max_seconds,
           max(s.finished_at) AS last_run_at
    FROM qlikcloud.job_steps s JOIN qlikcloud.jobs j ON j.id = s.job_id
    GROUP BY j.workflow, s.step
    ORDER BY j.workflow, array_position(qlikcloud.qlik_workflow_steps(j.workflow), s.step);
COMMENT ON VIEW qlikcloud.workflow_step_stats IS
'Per workflow and step, from the job history still kept (qlikcloud.job_steps, pruned with the jobs): how often the step ran, how often it failed, its median and longest duration in seconds.';

REVOKE ALL ON qlikcloud.rate_limit_usage, qlikcloud.workflow_step_stats FROM PUBLIC;
GRANT SELECT ON qlikcloud.rate_limit_usage, qlikcloud.workflow_step_stats TO qlikcloud_user;
