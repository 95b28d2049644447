/* weighgate-platform: the reference receiver of the sync protocol (docs/design.md §6, §7). */
#ifndef WEIGHGATE_PLATFORM_H
#define WEIGHGATE_PLATFORM_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "weighgate/sbuf.h"

#define PLAT_MAX_BODY_DEFAULT	(2u * 1024u * 1024u)
#define PLAT_BATCH_MAX_DEFAULT	10000
#define PLAT_ID_MAX		128	/* bytes of a controller id, kind */

/* The command line of the server. */
struct popts {
	char host[64];
	int port;
	const char *cert;
	const char *key;
	const char *db;
	const char *client_ca;
	const char *token_file;
	const char *lists;
	double fail_rate;		/* share of POSTs answered fail_status */
	int fail_status;
	int retry_after_s;		/* -1: no Retry-After header */
	int delay_ms;			/* added before every answer */
	int64_t date_offset_s;		/* added to the Date header's time */
	long down_after;		/* POSTs answered before going down; -1 never */
	int down_for_ms;
	int down_at_start_ms;
	double garbage_rate;		/* share of POSTs answered 200 non-JSON */
	const char *reject_kind;
	uint64_t seed;
	size_t max_body;
	size_t batch_max;
	int verbose;
};

/* pdb.c: the receiver's own SQLite store. */
struct pdb;

/* One event as it arrived; the strings belong to the parsed request. */
struct pevent {
	const char *uuid;
	const char *chain;
	int64_t seq;
	const char *kind;
	const char *ts;
	const char *prev_hash;
	const char *hash;
	const char *body;
	size_t body_len;
};

enum pdb_put {
	PUT_NEW,		/* stored */
	PUT_DUP,		/* the same event again: accepted, counted */
	PUT_UUID_CONFLICT,	/* same uuid, other content: rejected */
	PUT_SEQ_CONFLICT,	/* another event holds this seq: rejected */
	PUT_ERROR		/* SQLite failed */
};

struct pdb *pdb_open(const char *path, int readonly);
void pdb_close(struct pdb *db);
/*
 * One transaction per request: pdb_put and pdb_count_rejected run between
 * pdb_begin and pdb_commit, which writes the tallied chain counters.
 */
int pdb_begin(struct pdb *db);
int pdb_commit(struct pdb *db);
void pdb_rollback(struct pdb *db);
enum pdb_put pdb_put(struct pdb *db, const char *controller,
    const struct pevent *ev, int64_t now_ms);
/* Count a rejected event against its chain. */
int pdb_count_rejected(struct pdb *db, const char *controller,
    const char *chain);
/* The last seq held of the controller's chain (0: none), or -1. */
int64_t pdb_last_seq(struct pdb *db, const char *controller,
    const char *chain);
/* report.c: `weighgate-platform report DB`; returns the exit status. */
int pdb_report(const char *path, FILE *out);

/* ingest.c: POST /v1/events. */
enum ingest_res { INGEST_OK, INGEST_BAD, INGEST_FAIL };

struct ingest_stats {
	size_t accepted;
	size_t rejected;
	size_t duplicates;
	char controller[PLAT_ID_MAX + 1];
};

/*
 * Handle one request body: on INGEST_OK out holds the 200 answer; on
 * INGEST_BAD err says what is wrong with the request (400).
 */
enum ingest_res ingest_batch(struct pdb *db, const char *body, size_t len,
    size_t batch_max, const char *reject_kind, struct sbuf *out,
    struct ingest_stats *st, char *err, size_t errlen);

/* listfile.c: the list document served by GET /v1/lists. */
struct listfile;

struct listfile *listfile_new(const char *path);
void listfile_free(struct listfile *lf);
/* Re-read the file if it changed; 0, or -1 when no valid document is held. */
int listfile_refresh(struct listfile *lf);
const char *listfile_doc(const struct listfile *lf, size_t *len);
const char *listfile_etag(const struct listfile *lf);	/* quoted */

/* server.c: the HTTPS server; returns the exit status. */
int plat_serve(const struct popts *o);

#endif
