-- The extension's whole surface, listed: a change to it shows up here.
SELECT pg_describe_object(classid, objid, 0) AS object
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'qlikcloud')
  AND deptype = 'e'
ORDER BY 1;
