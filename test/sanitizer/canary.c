/*
 * A deliberate heap overflow and an undefined shift, for test/run-sanitizers
 * only (never installed).  It loads this into one backend of its sanitized
 * cluster before the suite runs: an AddressSanitizer and an
 * UndefinedBehaviorSanitizer report from that backend prove that reports from
 * backends reach the log files it counts, so that "0 sanitizer reports" after
 * the suite means the sanitizers looked and found nothing.
 */
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* volatile: the compiler must neither fold nor drop the bad accesses */
	char	   *volatile buf = malloc(8);
	volatile int shift = 40;
	volatile int one = 1;
	volatile char past_end;
	volatile int shifted;

	past_end = buf[8];			/* one byte past an 8-byte block */
	shifted = one << shift;		/* shift exponent wider than int */
	(void) past_end;
	(void) shifted;
	free(buf);
}
