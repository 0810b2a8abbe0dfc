/*
 * watch.c
 *		What another session can see of this one: a runner's job and step,
 *		and a long transfer's progress, in the query text pg_stat_activity
 *		shows; and the 429s this session got, for the runners to record.
 *
 * The query text (pgstat_report_activity) is this backend's own slot in
 * shared memory, read by any session with the rights to see it: no shared
 * memory of our own, nothing to clean up when the backend ends.  A
 * top-level statement replaces it anyway, so a runner that dies leaves no
 * stale text behind.  application_name is left alone: it belongs to
 * whoever started the session (pg_cron, a script, psql).
 */
#include "qlikcloud.h"

#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "watch.h"

PG_FUNCTION_INFO_V1(qlik_report_activity);
PG_FUNCTION_INFO_V1(qlik_session_429s);

/* How often a transfer's progress is written to the query text. */
#define QLIK_PROGRESS_ACTIVITY_MS 500

/*
 * The runner's text (NULL: the statement's own), what progress follows, and
 * the statement that set it: a runner stopped by an ERROR leaves it behind,
 * and the session's next statement must not be shown as that runner.
 */
static char *base_activity = NULL;
static TimestampTz base_statement = 0;
static bool showing_progress = false;
static TimestampTz last_progress = 0;

/* 429s of this session, per host and tier, until a runner takes them. */
#define QLIK_MAX_429_HOSTS 32
typedef struct Qlik429
{
	char		host[256];
	int			tier;
	int64		responses;
	TimestampTz last_at;
	double		last_retry_after;	/* seconds; -1: none */
} Qlik429;
static Qlik429 seen_429[QLIK_MAX_429_HOSTS];
static int	n_429 = 0;

static const char *
current_base(void)
{
	if (base_activity != NULL && base_statement == GetCurrentStatementStartTimestamp())
		return base_activity;
	return debug_query_string ? debug_query_string : "qlikcloud";
}

/*
 * Sets the runner's text, or with NULL puts the statement's own back.
 * Internal: qlikcloud.qlik_report_runner builds the text, so that what a
 * role can write there always reads "qlikcloud runner: ...".
 */
Datum
qlik_report_activity(PG_FUNCTION_ARGS)
{
	if (base_activity != NULL)
	{
		pfree(base_activity);
		base_activity = NULL;
	}
	if (!PG_ARGISNULL(0))
	{
		char	   *what = text_to_cstring(PG_GETARG_TEXT_PP(0));

		/*
		 * The statement stays in the text, after what the runner does:
		 * scripts that find a runner by its CALL (to cancel it, say) still
		 * do, and a text cut at track_activity_query_size keeps its start.
		 */
		base_activity = MemoryContextStrdup(TopMemoryContext,
											debug_query_string
											? psprintf("%s -- %s", what, debug_query_string)
											: what);
		base_statement = GetCurrentStatementStartTimestamp();
	}
	showing_progress = false;
	pgstat_report_activity(STATE_RUNNING, current_base());
	PG_RETURN_VOID();
}

/*
 * A transfer's progress after the runner's (or the statement's) text, at
 * most every QLIK_PROGRESS_ACTIVITY_MS; the NOTICEs keep their own pace
 * (qlikcloud.progress_interval).
 */
void
qlik_watch_transfer(const char *what, bool up, int64 done, int64 total)
{
	TimestampTz now = GetCurrentTimestamp();
	char	   *text;

	if (showing_progress &&
		!TimestampDifferenceExceeds(last_progress, now, QLIK_PROGRESS_ACTIVITY_MS))
		return;
	last_progress = now;
	if (total > 0)
		text = psprintf("%s -- qlikcloud: %s: %s " INT64_FORMAT " of " INT64_FORMAT " bytes (%d%%)",
						current_base(), what, up ? "sent" : "received", done, total,
						(int) (100.0 * done / total));
	else
		text = psprintf("%s -- qlikcloud: %s: %s " INT64_FORMAT " bytes",
						current_base(), what, up ? "sent" : "received", done);
	pgstat_report_activity(STATE_RUNNING, text);
	pfree(text);
	showing_progress = true;
}

/* The transfer is over: the text without its progress. */
void
qlik_watch_transfer_end(void)
{
	if (!showing_progress)
		return;
	showing_progress = false;
	pgstat_report_activity(STATE_RUNNING, current_base());
}

/*
 * Qlik answered 429.  Its tiers: most GETs are tier 1, writes tier 2
 * (qlikcloud.rate_limits); a 429 is counted in the tier its method
 * suggests.
 */
void
qlik_watch_429(const char *host, const char *method, long retry_after_ms)
{
	int			tier = (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) ? 1 : 2;
	Qlik429    *slot = NULL;

	for (int i = 0; i < n_429; i++)
		if (seen_429[i].tier == tier && strcmp(seen_429[i].host, host) == 0)
			slot = &seen_429[i];
	if (slot == NULL && n_429 < QLIK_MAX_429_HOSTS)
	{
		slot = &seen_429[n_429++];
		memset(slot, 0, sizeof(*slot));
		strlcpy(slot->host, host, sizeof(slot->host));
		slot->tier = tier;
	}
	if (slot == NULL)
		return;					/* 32 hosts not yet taken: enough to see */
	slot->responses++;
	slot->last_at = GetCurrentTimestamp();
	slot->last_retry_after = retry_after_ms < 0 ? -1 : retry_after_ms / 1000.0;
}

/* The 429s this session got; forget: and forget them (a runner took them). */
Datum
qlik_session_429s(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		forget = !PG_ARGISNULL(0) && PG_GETARG_BOOL(0);

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < n_429; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(seen_429[i].host);
		values[1] = Int32GetDatum(seen_429[i].tier);
		values[2] = Int64GetDatum(seen_429[i].responses);
		values[3] = TimestampTzGetDatum(seen_429[i].last_at);
		if (seen_429[i].last_retry_after < 0)
			nulls[4] = true;
		else
			values[4] = Float8GetDatum(seen_429[i].last_retry_after);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (forget)
		n_429 = 0;
	PG_RETURN_VOID();
}
