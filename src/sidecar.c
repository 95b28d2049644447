/* The sidecar <db>.chain beside the event store, and old store files. */
/*
 * Four lines of text ("chain UUID", "seq N", "platform_seq N", "fork_after
 * N", -1 for none), replaced whole by a rename.  It is written by the loop after the
 * outputs of a decision (never on the commit path of the barrier) and
 * without fsync: after a power loss it may be older than the store, which
 * SQLite keeps durable at commit, never newer, so it can miss a rollback
 * of the last moments but never invent one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weighgate/sidecar.h"

int
sidecar_path(const char *db, char *out, size_t len)
{
	int n = snprintf(out, len, "%s%s", db, SIDECAR_SUFFIX);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Is s a uuid's shape (36 characters, hex and four dashes)? */
static bool
uuid_shape(const char *s)
{
	size_t i;

	if (strlen(s) != STORE_UUID_LEN)
		return false;
	for (i = 0; i < STORE_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL ||
		    s[i] == '\0')
			return false;
	}
	return true;
}

/* One "key value" line into sc; -1 when it is not one of ours. */
static int
read_line(const char *line, struct sidecar *sc, unsigned *seen)
{
	static const char *const keys[] = { "seq", "platform_seq",
	    "fork_after" };
	int64_t *const dst[] = { &sc->seq, &sc->platform_seq, &sc->fork_after };
	char key[32], val[64], extra;
	size_t i;
	long long v;

	if (sscanf(line, "%31s %63s %c", key, val, &extra) != 2)
		return -1;
	if (strcmp(key, "chain") == 0) {
		if (!uuid_shape(val))
			return -1;
		snprintf(sc->chain, sizeof(sc->chain), "%s", val);
		*seen |= 1;
		return 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0) {
			/* fork_after may be -1 (none) */
			if (sscanf(val, "%lld%c", &v, &extra) != 1 ||
			    v < (i == 2 ? -1 : 0))
				return -1;
			*dst[i] = (int64_t)v;
			*seen |= 2u << i;
			return 0;
		}
	return -1;
}

int
sidecar_read(const char *path, struct sidecar *out, char *err, size_t errlen)
{
	char line[128];
	unsigned seen = 0;
	int lineno = 0, rc = 1;
	FILE *f;

	memset(out, 0, sizeof(*out));
	out->fork_after = -1;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 1 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (read_line(line, out, &seen) != 0) {
			snprintf(err, errlen, "%s:%d: not a sidecar line", path,
			    lineno);
			rc = -1;
		}
	}
	fclose(f);
	if (rc == 1 && (seen & 3) != 3) {
		snprintf(err, errlen, "%s: no chain or seq", path);
		rc = -1;
	}
	if (rc != 1) {
		memset(out, 0, sizeof(*out));
		out->fork_after = -1;
	}
	return rc;
}

int
sidecar_write(const char *path, const struct sidecar *sc)
{
	char tmp[4096];
	FILE *f;
	int n, bad;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "chain %s\nseq %" PRId64 "\nplatform_seq %" PRId64
	    "\nfork_after %" PRId64 "\n", sc->chain, sc->seq, sc->platform_seq,
	    sc->fork_after);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

enum sidecar_verdict
sidecar_judge(const struct sidecar *sc, bool store_exists, const char *chain,
    int64_t store_last)
{
	if (sc == NULL)
		return SC_OK;
	if (!store_exists)
		return SC_STORE_MISSING;
	if (chain == NULL || strcmp(chain, sc->chain) != 0)
		return SC_OK;
	if (sc->fork_after >= 0)
		return SC_FORKED;
	if (store_last < sc->seq)
		return SC_BEHIND_SIDECAR;
	if (store_last < sc->platform_seq)
		return SC_BEHIND_PLATFORM;
	return SC_OK;
}

const char *
sidecar_verdict_name(enum sidecar_verdict v)
{
	switch (v) {
	case SC_OK:
		return "none";
	case SC_STORE_MISSING:
		return "missing";
	case SC_BEHIND_SIDECAR:
		return "sidecar";
	case SC_BEHIND_PLATFORM:
	case SC_FORKED:
		return "platform";
	}
	return "none";
}

int
sidecar_aside_name(const char *db, int64_t now_ms, const char *why,
    char *out, size_t len)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	char stamp[32];
	int n;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -1;
	n = snprintf(out, len, "%s.old-%s-%s", db, stamp, why);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* rename from+suffix to to+suffix; a missing source is fine. */
static int
move_one(const char *from, const char *to, const char *suffix)
{
	char a[4096], b[4096];

	snprintf(a, sizeof(a), "%s%s", from, suffix);
	snprintf(b, sizeof(b), "%s%s", to, suffix);
	if (rename(a, b) != 0 && errno != ENOENT)
		return -1;
	return 0;
}

int
sidecar_move_aside(const char *db, const char *aside, char *err,
    size_t errlen)
{
	char shm[4096];
	int e;

	if (access(aside, F_OK) == 0) {
		snprintf(err, errlen, "%s: already exists", aside);
		return -1;
	}
	/* the -wal first: a database without its WAL would lose commits */
	if (move_one(db, aside, "-wal") != 0) {
		snprintf(err, errlen, "rename %s-wal to %s-wal: %s", db, aside,
		    strerror(errno));
		return -1;
	}
	if (move_one(db, aside, "") != 0) {
		e = errno;
		/* put the -wal back beside its database */
		(void)move_one(aside, db, "-wal");
		snprintf(err, errlen, "rename %s to %s: %s", db, aside,
		    strerror(e));
		return -1;
	}
	snprintf(shm, sizeof(shm), "%s-shm", db);
	(void)unlink(shm);
	return 0;
}

bool
sidecar_is_aside(const char *db_base, const char *name)
{
	size_t n = strlen(db_base), k = strlen(name);

	if (strncmp(name, db_base, n) != 0 || strncmp(name + n, ".old-", 5) != 0)
		return false;
	return !(k > 4 && (strcmp(name + k - 4, "-wal") == 0 ||
	    strcmp(name + k - 4, "-shm") == 0)) &&
	    !(k > 8 && strcmp(name + k - 8, "-journal") == 0);
}
