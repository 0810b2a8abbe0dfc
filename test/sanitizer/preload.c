/*
 * Preloaded right after the ASan runtime into the sanitized server by
 * test/run-sanitizers (never installed; built without sanitizer flags).
 * Two fixes for running the sanitizers inside PostgreSQL's server processes.
 *
 * 1. The ASan runtime must initialize before glibc's gettext lock is first
 * taken.  Libraries PostgreSQL links (libgpg-error and gnutls, through libldap
 * and libsystemd) call bindtextdomain from their constructors, which run
 * before the preloaded runtime's own.  bindtextdomain takes glibc's gettext
 * lock for writing and then allocates; that first malloc initializes ASan,
 * whose initialization calls dlerror, which takes the same lock for reading:
 * that fails (the thread holds it for writing), the unlock that follows
 * releases the writer's, and the lock's count underflows.  The next gettext
 * call (PostgreSQL's own bindtextdomain, in every server process) then waits
 * forever.  So this bindtextdomain, interposed on libc's, allocates once
 * before calling the real one: ASan initializes outside the lock.
 *
 * 2. UBSan's runtime reads its options when it first reports, in a backend,
 * from /proc/self/environ, which the server has overwritten with its process
 * title by then: UBSAN_OPTIONS would be lost.  getenv still sees them
 * (PostgreSQL keeps a copy of the environment), and UBSan asks
 * __ubsan_default_options, which this library defines ahead of the runtime's
 * own (it comes before the UBSan runtime in LD_PRELOAD).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

char	   *bindtextdomain(const char *domain, const char *dirname);
const char *__ubsan_default_options(void);

char *
bindtextdomain(const char *domain, const char *dirname)
{
	static char *(*real) (const char *, const char *);
	void	   *volatile first = malloc(1);	/* volatile: not optimized away */

	free(first);
	if (real == NULL)
		real = (char *(*) (const char *, const char *)) dlsym(RTLD_NEXT, "bindtextdomain");
	return real(domain, dirname);
}

const char *
__ubsan_default_options(void)
{
	const char *options = getenv("UBSAN_OPTIONS");

	return options ? options : "";
}
