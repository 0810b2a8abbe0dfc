/*
 * procedures.c
 *		Whether the calling procedure may commit.
 *
 * The workflow procedures and the runners commit after each step.  Called
 * inside a transaction block (BEGIN ... CALL), or from a function, a trigger
 * or any other atomic context, their first COMMIT fails with PostgreSQL's bare
 * "invalid transaction termination", after work that then rolls back.  They
 * call qlik_assert_can_commit first, which says what is wrong and what to do
 * before anything is queued.
 *
 * A plpgsql procedure runs in a non-atomic SPI connection exactly when it may
 * commit: called by CALL at top level outside a transaction block, or by
 * another procedure that may (plpgsql passes non-atomicity down).  The C
 * function runs inside that procedure's SPI connection, so
 * SPI_inside_nonatomic_context() answers for its caller.
 */
#include "qlikcloud.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(qlik_assert_can_commit);

Datum
qlik_assert_can_commit(PG_FUNCTION_ARGS)
{
	const char *proc = PG_ARGISNULL(0) ? "the procedure" : text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (IsTransactionBlock() || !SPI_inside_nonatomic_context())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("%s commits after each step and cannot run inside a transaction block or a function", proc),
				 errdetail(IsTransactionBlock() ?
						   "It was called inside a transaction block (after BEGIN, or in a query string of several statements)." :
						   "It was called from a function, a trigger or another context that cannot commit."),
				 errhint("Run CALL %s(...) as a statement of its own, outside BEGIN ... COMMIT (psql's autocommit), "
						 "not from a function; to queue the work inside your transaction, use "
						 "qlikcloud.qlik_enqueue and let the runners do it.", proc)));
	PG_RETURN_VOID();
}
