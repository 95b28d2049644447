/* Option arguments of the command-line programs (cliarg.h). */
#include <errno.h>
#include <stdlib.h>

#include "weighgate/cliarg.h"
#include "weighgate/log.h"

double
cliarg_num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		log_warnx("%s %s: not a number in %g..%g", opt, s, min, max);
		exit(CLIARG_EX_USAGE);
	}
	return v;
}
