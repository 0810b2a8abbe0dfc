/*
 * shared_tokens.c
 *		Access tokens shared by the backends of one server, when the library
 *		is preloaded (shared_preload_libraries).
 *
 * Without preloading each backend keeps its own tokens (auth.c): N runners
 * on one server each ask Qlik for a token for the same client and host.
 * Preloaded, the library reserves a small table in shared memory.  A token,
 * once obtained, is found there by every backend of the same database using
 * the same credential (same name, same updated_at: a changed credential
 * retires its tokens) for the same host over the same route (connect_to,
 * ca_file); and a backend about to ask while another is asking waits for
 * that answer (at most qlikcloud.timeout), so that N runners ask once.
 * Without preloading nothing here is used.
 *
 * Shared memory is not reachable from SQL: no role can read a token there,
 * as none can read one in a backend's own memory (the server's operating
 * system user can read both).  A token is zeroed when it is replaced or
 * dropped.  A token longer than a slot, or arriving when every slot is being
 * asked for, is simply not shared.
 */
#include "qlikcloud.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "shared_tokens.h"

#define SHARED_TOKEN_SLOTS	128
#define SHARED_TOKEN_MAX	4096	/* Qlik's tokens are JWTs of 1 to 2 kB */
#define WAIT_STEP_MS		10

typedef struct SharedToken
{
	Oid			dbid;			/* InvalidOid: a free slot */
	uint32		route;			/* hash of connect_to and ca_file */
	char		key[QLIK_TOKEN_KEY_LEN];	/* credential name, '\001', host */
	TimestampTz cred_updated_at;
	TimestampTz refresh_at;
	int			asking_pid;		/* a backend asking Qlik now, or 0 */
	int			len;			/* 0: no token (yet) */
	char		token[SHARED_TOKEN_MAX];
} SharedToken;

typedef struct SharedTokens
{
	LWLock	   *lock;
	SharedToken slots[SHARED_TOKEN_SLOTS];
} SharedTokens;

static SharedTokens *shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
shared_tokens_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(SharedTokens)));
	RequestNamedLWLockTranche("qlikcloud tokens", 1);
}

static void
shared_tokens_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("qlikcloud tokens", sizeof(SharedTokens), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(SharedTokens));
		shared->lock = &(GetNamedLWLockTranche("qlikcloud tokens"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* From _PG_init: the table exists only when the library is preloaded. */
void
qlik_shared_tokens_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = shared_tokens_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = shared_tokens_startup;
}

static uint32
route(void)
{
	uint32		h = 0;

	if (qlik_connect_to != NULL)
		h = hash_bytes((const unsigned char *) qlik_connect_to, strlen(qlik_connect_to));
	if (qlik_ca_file != NULL)
		h = hash_combine(h, hash_bytes((const unsigned char *) qlik_ca_file, strlen(qlik_ca_file)));
	return h;
}

/* The slot of key in this database over this route, or NULL; lock held. */
static SharedToken *
find(const char *key, uint32 r)
{
	for (int i = 0; i < SHARED_TOKEN_SLOTS; i++)
	{
		SharedToken *s = &shared->slots[i];

		if (s->dbid == MyDatabaseId && s->route == r && strcmp(s->key, key) == 0)
			return s;
	}
	return NULL;
}

static void
clear_slot(SharedToken *s)
{
	explicit_bzero(s->token, sizeof(s->token));
	s->len = 0;
}

/*
 * A slot for key (exclusive lock held): its own, else a free one, else the
 * one whose token needs refreshing first among those nobody is asking for;
 * NULL if every slot is being asked for.
 */
static SharedToken *
claim(const char *key, uint32 r)
{
	SharedToken *s = find(key, r);
	SharedToken *victim = NULL;

	if (s != NULL)
		return s;
	for (int i = 0; i < SHARED_TOKEN_SLOTS; i++)
	{
		SharedToken *c = &shared->slots[i];

		if (c->dbid == InvalidOid)
		{
			victim = c;
			break;
		}
		if (c->asking_pid == 0 && (victim == NULL || c->refresh_at < victim->refresh_at))
			victim = c;
	}
	if (victim == NULL)
		return NULL;
	clear_slot(victim);
	victim->dbid = MyDatabaseId;
	victim->route = r;
	strlcpy(victim->key, key, sizeof(victim->key));
	victim->cred_updated_at = 0;
	victim->refresh_at = 0;
	victim->asking_pid = 0;
	return victim;
}

/* Stop asking, on the way out of a backend that was (no waiter waits on). */
static void
release_at_exit(int code, Datum arg)
{
	if (shared == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < SHARED_TOKEN_SLOTS; i++)
		if (shared->slots[i].asking_pid == MyProcPid)
			shared->slots[i].asking_pid = 0;
	LWLockRelease(shared->lock);
}

/*
 * The shared token for key (credential name and host), if there is one for
 * a credential updated at updated_at that needs no refresh before now: a
 * palloc'd copy, with its refresh time.  NULL when there is none: the caller
 * then asks Qlik and calls qlik_shared_token_put, or qlik_shared_token_release
 * if asking failed.  While another backend is asking for it, waits for its
 * answer, at most qlikcloud.timeout (it may have died).  Always NULL when the
 * library is not preloaded.
 */
char *
qlik_shared_token_get(const char *key, TimestampTz updated_at, TimestampTz *refresh_at)
{
	static bool exit_hook = false;
	uint32		r;
	TimestampTz give_up;

	if (shared == NULL)
		return NULL;
	if (!exit_hook)
	{
		on_shmem_exit(release_at_exit, (Datum) 0);
		exit_hook = true;
	}
	r = route();
	give_up = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), qlik_timeout_ms);
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		SharedToken *s;
		char		copy[SHARED_TOKEN_MAX];
		int			len = 0;

		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		s = find(key, r);
		if (s != NULL && s->len > 0 && s->cred_updated_at == updated_at && now < s->refresh_at)
		{
			len = s->len;
			memcpy(copy, s->token, len + 1);
			*refresh_at = s->refresh_at;
		}
		else if (s != NULL && s->asking_pid != 0 && s->asking_pid != MyProcPid &&
				 s->cred_updated_at == updated_at && now < give_up)
			len = -1;			/* another backend is asking: wait */
		else if ((s = claim(key, r)) != NULL)
		{
			/*
			 * This backend asks.  What the slot holds is no token for this
			 * credential row (another row's, or one due for refresh): gone,
			 * so that no backend takes it for this row's meanwhile.
			 */
			clear_slot(s);
			s->asking_pid = MyProcPid;
			s->cred_updated_at = updated_at;
		}
		LWLockRelease(shared->lock);

		if (len > 0)
		{
			char	   *token = pstrdup(copy);

			explicit_bzero(copy, len);
			return token;
		}
		if (len == 0)
			return NULL;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 WAIT_STEP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* The token this backend asked for, shared until refresh_at. */
void
qlik_shared_token_put(const char *key, TimestampTz updated_at, TimestampTz refresh_at,
					  const char *token)
{
	size_t		len = strlen(token);
	SharedToken *s;

	if (shared == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	s = claim(key, route());
	if (s != NULL)
	{
		clear_slot(s);
		if (len < SHARED_TOKEN_MAX)
		{
			memcpy(s->token, token, len + 1);
			s->len = (int) len;
			s->cred_updated_at = updated_at;
			s->refresh_at = refresh_at;
		}
		if (s->asking_pid == MyProcPid)
			s->asking_pid = 0;
	}
	LWLockRelease(shared->lock);
}

/* Asking failed: another backend may ask now.  Never fails. */
void
qlik_shared_token_release(const char *key)
{
	SharedToken *s;

	if (shared == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	s = find(key, route());
	if (s != NULL && s->asking_pid == MyProcPid)
		s->asking_pid = 0;
	LWLockRelease(shared->lock);
}

/* Qlik refused token: drop it, unless another backend has replaced it. */
void
qlik_shared_token_forget(const char *key, const char *token)
{
	SharedToken *s;

	if (shared == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	s = find(key, route());
	if (s != NULL && s->len > 0 && (token == NULL || strcmp(s->token, token) == 0))
		clear_slot(s);
	LWLockRelease(shared->lock);
}
