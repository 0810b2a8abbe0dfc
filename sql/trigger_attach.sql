-- qlik_customer_trigger is checked when it is attached (CREATE TRIGGER) and
-- when its table changes (ALTER TABLE), not at the customers' first INSERT:
-- a misnamed column, a bad argument, the wrong kind of trigger are refused
-- there with a clear error. Types of extensions (citext) and domains work;
-- a type whose output would run a less privileged role's code with the
-- extension owner's rights is refused there too (and, should its owner
-- change later, at the INSERT).
\set VERBOSITY terse
SET client_min_messages = warning;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions RESTART IDENTITY CASCADE;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE ROLE qt_owner;                 -- owns a customers table: no superuser
GRANT qlikcloud_user TO qt_owner;
GRANT CREATE, USAGE ON SCHEMA public TO qt_owner;
CREATE ROLE qt_other;                 -- no right on the extension at all
GRANT CREATE, USAGE ON SCHEMA public TO qt_other;

-- A table with an email of type citext, a domain over it, a churn date.
CREATE DOMAIN public.email AS public.citext CHECK (VALUE LIKE '%@%');
ALTER DOMAIN public.email OWNER TO qt_owner;
SET ROLE qt_owner;
CREATE TABLE public.accounts (id integer PRIMARY KEY, owner_email public.citext, billing public.email,
                              plan text, churned_at timestamptz);

------------------------------------------------------------------------------
-- 1. Mistakes are refused when the trigger is attached.
------------------------------------------------------------------------------
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT OR DELETE ON public.accounts FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', '', 'admin_email=owner_emial')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT OR DELETE ON public.accounts FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('account_id')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT OR DELETE ON public.accounts FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT OR DELETE ON public.accounts FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', '', 'colour=plan')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT OR DELETE ON public.accounts FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', '', 'admin_email')$$);
SELECT qt.err($$CREATE TRIGGER qlik BEFORE INSERT ON public.accounts FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT ON public.accounts FOR EACH STATEMENT
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT ON public.accounts FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger()$$);
SELECT count(*) AS triggers_attached FROM pg_trigger WHERE tgrelid = 'public.accounts'::regclass;

------------------------------------------------------------------------------
-- 2. Attached right, by the table's owner: citext and a domain over it are
-- read as text; inserts queue their jobs.
------------------------------------------------------------------------------
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned_at ON public.accounts FOR EACH ROW
    EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned_at', 'admin_email=owner_email',
                                                     'admin_name=billing', 'profile=plan');
INSERT INTO public.accounts VALUES (1, 'Ann@Example.COM', 'pay@example.com', NULL, NULL),
                                   (2, NULL, NULL, 'gold', NULL);
UPDATE public.accounts SET churned_at = now() WHERE id = 1;
RESET ROLE;
-- (churned before any runner ran: its onboarding is cancelled, nothing reaches Qlik)
SELECT workflow, customer_key, state, args FROM qlikcloud.jobs ORDER BY id;

------------------------------------------------------------------------------
-- 3. Changing the table is checked too: a column the trigger reads cannot
-- be renamed, dropped or given a type it may not read; other changes pass.
------------------------------------------------------------------------------
CREATE TYPE public.tier AS ENUM ('free', 'gold');
ALTER TYPE public.tier OWNER TO qt_owner;
SET ROLE qt_owner;
SELECT qt.err($$ALTER TABLE public.accounts RENAME COLUMN owner_email TO email$$);
SELECT qt.err($$ALTER TABLE public.accounts DROP COLUMN plan$$);
SELECT qt.err($$ALTER TABLE public.accounts ALTER COLUMN plan TYPE public.tier USING plan::public.tier$$);
ALTER TABLE public.accounts ADD COLUMN notes text;
ALTER TABLE public.accounts RENAME COLUMN notes TO remarks;
SELECT attname FROM pg_attribute WHERE attrelid = 'public.accounts'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;
RESET ROLE;
-- A role with no right on the extension changes its own tables as before.
SET ROLE qt_other;
CREATE TABLE public.notes (id integer);
ALTER TABLE public.notes ADD COLUMN body text;
CREATE TRIGGER other AFTER INSERT ON public.notes FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
DROP TABLE public.notes;
RESET ROLE;

------------------------------------------------------------------------------
-- 4. Types the trigger may not read, because converting them to text would
-- run code of a role other than a superuser with the extension owner's
-- rights: a type of the table owner's (an enum, a composite, an array of
-- them), a type whose cast to text is a function of theirs. Refused when
-- attached.
------------------------------------------------------------------------------
CREATE TYPE public.address AS (street text, city text);
ALTER TYPE public.address OWNER TO qt_owner;
CREATE TABLE public.shops (id integer, tier public.tier, address public.address, tiers public.tier[],
                           ref text);
ALTER TABLE public.shops OWNER TO qt_owner;
SET ROLE qt_owner;
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT ON public.shops FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', '', 'profile=tier')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT ON public.shops FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('address')$$);
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT ON public.shops FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', '', 'admin_name=tiers')$$);
RESET ROLE;
-- A cast to text of the owner's own, on a superuser's type: also refused.
CREATE TYPE public.code AS (v text);
CREATE FUNCTION public.code_text(public.code) RETURNS text LANGUAGE sql AS 'SELECT ($1).v';
ALTER FUNCTION public.code_text(public.code) OWNER TO qt_owner;
CREATE CAST (public.code AS text) WITH FUNCTION public.code_text(public.code);
ALTER TABLE public.shops ALTER COLUMN ref TYPE public.code USING ROW(ref);
SET ROLE qt_owner;
SELECT qt.err($$CREATE TRIGGER qlik AFTER INSERT ON public.shops FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('ref')$$);
-- And a type handed to the owner after the trigger was attached is refused
-- at the INSERT (nothing is queued).
RESET ROLE;
ALTER TYPE public.address OWNER TO CURRENT_USER;
SET ROLE qt_owner;
CREATE TRIGGER qlik AFTER INSERT ON public.shops FOR EACH ROW
    EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', '', 'admin_name=address');
RESET ROLE;
ALTER TYPE public.address OWNER TO qt_owner;
SET ROLE qt_owner;
SELECT qt.err($$INSERT INTO public.shops (id, address) VALUES (7, ROW('Main St', 'Springfield'))$$);
RESET ROLE;
SELECT count(*) AS jobs_of_shops FROM qlikcloud.jobs WHERE customer_key = '7';

DROP TABLE public.accounts, public.shops;
DROP CAST (public.code AS text);
DROP FUNCTION public.code_text(public.code);
DROP TYPE public.code, public.address, public.tier;
DROP DOMAIN public.email;
REVOKE ALL ON SCHEMA public FROM qt_owner, qt_other;
DROP ROLE qt_owner;
DROP ROLE qt_other;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants RESTART IDENTITY CASCADE;
