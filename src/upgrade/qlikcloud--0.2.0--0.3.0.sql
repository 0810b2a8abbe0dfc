-- qlikcloud 0.2.0 -> 0.3.0: run by ALTER EXTENSION qlikcloud UPDATE.
\echo Use "ALTER EXTENSION qlikcloud UPDATE TO '0.3.0'" to load this file. \quit

-- What changed in src/sql/ since 0.2.0 (git diff 3cf5bea -- src/sql), made to
-- an installed 0.2.0 without losing its state. test/upgrade-test installs
-- each released version, fills it, updates it (0.1.0 through 0.2.0) and
-- compares the schema with a fresh install: every change to src/sql/ needs
-- its step here. The rules of qlikcloud--0.1.0--0.2.0.sql hold: functions
-- CREATE OR REPLACE with the text of src/sql/ exactly, new routines get the
-- privileges src/sql/ gives them, tables are altered (new columns last),
-- never dropped and recreated.
--
-- One section per change, in the order they landed.
