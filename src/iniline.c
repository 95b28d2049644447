/* One checked line of an INI-style file for libinih (iniline.h). */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "weighgate/iniline.h"

int
iniline_read(struct iniline *r, char *str, int num, int max,
    const char **text, char *msg, size_t msglen)
{
	ssize_t n;

	if ((n = getline(&r->buf, &r->bufsz, r->fp)) < 0) {
		if (!ferror(r->fp))
			return 0;
		snprintf(msg, msglen, "cannot read: %s", strerror(errno));
		return -1;
	}
	r->line++;
	if (n > 0 && r->buf[n - 1] == '\n')
		n--;
	if (n > 0 && r->buf[n - 1] == '\r')
		n--;
	r->buf[n] = '\0';
	if (strlen(r->buf) != (size_t)n) {
		snprintf(msg, msglen, "NUL byte in line");
		return -1;
	}
	if (n > max || n + 1 > num) {
		snprintf(msg, msglen, "line too long (%zd bytes, at most %d)", n,
		    max);
		return -1;
	}
	memcpy(str, r->buf, (size_t)n + 1);
	*text = r->line == 1 && strncmp(str, "\xef\xbb\xbf", 3) == 0 ?
	    str + 3 : str;
	return 1;
}
