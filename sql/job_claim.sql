-- A runner never waits behind another session's lock on a job: it skips the
-- locked job (FOR UPDATE SKIP LOCKED) and takes the next one. A second
-- session holds job 1's row lock, as a runner does while it claims it; a
-- runner with a short lock_timeout must take job 2 without an error (were
-- it to wait, lock_timeout would end it with 55P03).
\set VERBOSITY terse
SET client_min_messages = warning;
TRUNCATE qlikcloud.jobs, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
-- The session started in the background connects to this database.
\setenv PGDATABASE :DBNAME

-- Two jobs of two customers that need no call to Qlik (a sync of a customer
-- without a tenant finds nothing to do).
SELECT qlikcloud.qlik_enqueue('sync', 'qt-claim-1') AS job_1, qlikcloud.qlik_enqueue('sync', 'qt-claim-2') AS job_2;

\! PGAPPNAME=qt_holder psql -X -c "BEGIN" -c "SELECT FROM qlikcloud.jobs WHERE customer_key = 'qt-claim-1' FOR UPDATE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
SELECT qt.wait_until($$SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_holder'
                                      AND wait_event = 'PgSleep')$$) AS job_1_locked;

SET lock_timeout = '100ms';
CALL qlikcloud.qlik_run_jobs(max_jobs => 1);
RESET lock_timeout;
SELECT id, customer_key, state, attempts FROM qlikcloud.jobs ORDER BY id;

-- Once the lock is gone, job 1 runs too.
SELECT pg_terminate_backend(pid) AS holder_ended FROM pg_stat_activity WHERE application_name = 'qt_holder';
SELECT qt.wait_until($$SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_holder')$$) AS holder_gone;
CALL qlikcloud.qlik_run_jobs();
SELECT id, customer_key, state, attempts FROM qlikcloud.jobs ORDER BY id;
TRUNCATE qlikcloud.jobs RESTART IDENTITY CASCADE;
