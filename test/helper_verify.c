/*
 * helper_verify DB: open the store as the daemon does and walk its log with
 * store_verify() (gapless seq, every prev_hash and hash).  Prints the last
 * seq; exit 0 when sound, 1 when broken, 2 when it cannot be opened.
 */
#include <inttypes.h>
#include <stdio.h>

#include "weighgate/store.h"

int
main(int argc, char **argv)
{
	char err[512];
	store_t *s;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: helper_verify DB\n");
		return 2;
	}
	if ((s = store_open(argv[1], 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (store_verify(s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		rc = 1;
	} else {
		printf("%s: sound, last seq %" PRId64 "\n", argv[1],
		    store_last_seq(s));
		rc = 0;
	}
	store_close(s);
	return rc;
}
