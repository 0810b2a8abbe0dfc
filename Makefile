# qlikcloud: PGXS build.  `make && make install` builds and installs the
# extension; `make installcheck` runs the pg_regress suite, but it needs the
# fake Qlik Cloud running and the server settings that test/run-tests sets up,
# so use `test/run-tests` (see README.md) rather than calling it directly.
# `make dist` builds the zip PGXN takes.

EXTENSION = qlikcloud
EXTVERSION = 0.3.0

MODULE_big = qlikcloud
OBJS = \
	src/qlikcloud.o \
	src/http.o \
	src/errors.o \
	src/dbtext.o \
	src/answer.o \
	src/credentials.o \
	src/auth.o \
	src/shared_tokens.o \
	src/client.o \
	src/api.o \
	src/procedures.o \
	src/resource.o \
	src/rows.o \
	src/jsonb_parse.o \
	src/tenants.o \
	src/licenses.o \
	src/users.o \
	src/roles.o \
	src/groups.o \
	src/web_integrations.o \
	src/csp_origins.o \
	src/identity_providers.o \
	src/spaces.o \
	src/items.o \
	src/temp_contents.o \
	src/apps.o \
	src/reloads.o \
	src/template_files.o \
	src/watch.o

# The install script is put together from one file per concern under
# src/sql/, in name order (00_core first, 99_privileges last).
DATA_built = qlikcloud--$(EXTVERSION).sql
SQL_PARTS = $(sort $(wildcard src/sql/*.sql))
# Released versions' install scripts, kept exactly as they shipped, and the
# upgrade scripts from each to the next: ALTER EXTENSION qlikcloud UPDATE
# follows them (README.md, "Versions and upgrades").
DATA = $(wildcard src/released/qlikcloud--*.sql) $(wildcard src/upgrade/qlikcloud--*--*.sql)


REGRESS = $(shell test -f test/schedule && grep -v '^\#' test/schedule | sed -n 's/^test: //p')
REGRESS_OPTS = --inputdir=. --outputdir=test/results --load-extension=qlikcloud

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -DQLIKCLOUD_VERSION='"$(EXTVERSION)"' $(shell pkg-config --cflags libcurl libcjson 2>/dev/null)
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter
SHLIB_LINK = $(shell pkg-config --libs libcurl libcjson 2>/dev/null || echo -lcurl -lcjson)

EXTRA_CLEAN = test/results

# installcheck on its own would run every test against no fake Qlik Cloud
# (most fail, the jobs test waits minutes): stop at once unless test/run-tests
# set up the fake and the cluster (it exports QLIKCLOUD_WORK and FAKECTL).
ifeq ($(and $(QLIKCLOUD_WORK),$(FAKECTL)),)
REGRESS_PREP = qlikcloud-needs-run-tests
endif

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

qlikcloud--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

# The objects carry EXTVERSION (the User-Agent says it): a new version in
# this Makefile rebuilds them.
$(OBJS): Makefile

.PHONY: qlikcloud-needs-run-tests dist
qlikcloud-needs-run-tests:
	@echo 'make installcheck needs the fake Qlik Cloud and the server settings test/run-tests sets up: run test/run-tests (TESTS="00_setup users" test/run-tests for some tests)' >&2
	@exit 1

# The distribution PGXN takes: the committed tree at HEAD (uncommitted changes
# are not in it), in a zip whose one top-level directory is
# qlikcloud-<version>/.  DISTFILE may name another output file.
DISTNAME = $(EXTENSION)-$(EXTVERSION)
DISTFILE = $(DISTNAME).zip
dist:
	git archive --format=zip --prefix=$(DISTNAME)/ --output=$(DISTFILE) HEAD
	@git diff --quiet HEAD -- || echo 'note: uncommitted changes are not in $(DISTFILE)' >&2
