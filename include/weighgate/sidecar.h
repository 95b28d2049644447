/*
 * What the daemon keeps beside its event store, <db>.chain: the chain and
 * the last seq it committed into it, and what the platform said it holds
 * of it.  It reveals a store that is behind what was committed (deleted,
 * or replaced by an older copy, while the daemon was down or running), so
 * that a chain is never continued from a stale copy (docs/operations.md).
 */
#ifndef WEIGHGATE_SIDECAR_H
#define WEIGHGATE_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weighgate/store.h"

#define SIDECAR_SUFFIX ".chain"

struct sidecar {
	char chain[STORE_UUID_LEN + 1];
	int64_t seq;		/* the last seq committed into the chain */
	int64_t platform_seq;	/* the platform's last seq of it; 0 unknown */
	/*
	 * >= 0: the platform holds the chain beyond what the store held at
	 * start; the store's events after this seq are a stale continuation,
	 * and the next start begins a new chain.  -1: none.
	 */
	int64_t fork_after;
};

/* Why a store is behind; SC_OK when it is not. */
enum sidecar_verdict {
	SC_OK = 0,
	SC_STORE_MISSING,	/* no store file, but a sidecar */
	SC_BEHIND_SIDECAR,	/* the store's last seq < the sidecar's */
	SC_BEHIND_PLATFORM,	/* the store's last seq < the platform's */
	SC_FORKED		/* found behind the platform while running */
};

/* "<db>.chain" into out; -1 when it does not fit. */
int sidecar_path(const char *db, char *out, size_t len);

/*
 * Read the sidecar at path: 1 read, 0 there is none, -1 it cannot be read
 * or is not one (err says why; the caller treats it as none, with a word).
 */
int sidecar_read(const char *path, struct sidecar *out, char *err,
    size_t errlen);

/* Write it whole to path.tmp and rename it over path; 0 or -1 (errno). */
int sidecar_write(const char *path, const struct sidecar *sc);

/*
 * Judge a store against the sidecar (sc NULL: none): store_exists false
 * with a sidecar is SC_STORE_MISSING; another chain than the sidecar's is
 * no verdict (a store put there on purpose).
 */
enum sidecar_verdict sidecar_judge(const struct sidecar *sc,
    bool store_exists, const char *chain, int64_t store_last);

/* A word for the verdict: "sidecar", "platform", "missing", "forked". */
const char *sidecar_verdict_name(enum sidecar_verdict v);

/*
 * The name an old store file is kept under: "<db>.old-YYYYMMDDTHHMMSSZ-WHY".
 * -1 when it does not fit.
 */
int sidecar_aside_name(const char *db, int64_t now_ms, const char *why,
    char *out, size_t len);

/*
 * Move the store at db (and its -wal) aside to the name above; its -shm is
 * removed.  0, or -1 with err set.
 */
int sidecar_move_aside(const char *db, const char *aside, char *err,
    size_t errlen);

/* Is name (a file name, no directory) one of db's old store files? */
bool sidecar_is_aside(const char *db_base, const char *name);

#endif
