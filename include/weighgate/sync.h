/*
 * Store-and-forward to the provincial platform (docs/design.md §7): batches of
 * stored events POSTed in seq order, list documents polled with ETags,
 * all on the daemon's libevent loop; plus the housekeeping of §6 (pruning
 * of synced events, the disk_low event).
 */
#ifndef WEIGHGATE_SYNC_H
#define WEIGHGATE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "weighgate/config.h"
#include "weighgate/sbuf.h"
#include "weighgate/store.h"

struct lists;
struct sync;

#define SYNC_MAX_BODY (1024u * 1024u)	/* bytes of one POST body */

/*
 * Called on the loop when the platform's lists were validated and stored
 * (with their lists_applied event): the callee owns new_lists and must put
 * them in force and free the old ones.
 */
typedef void (*sync_lists_fn)(struct lists *new_lists, void *arg);

/*
 * Start sync and housekeeping on base.  With an empty platform url only
 * the housekeeping runs.  Returns NULL (logged) when the platform settings
 * cannot be used (a token file that cannot be read, no memory).
 */
struct sync *sync_new(struct event_base *base, const struct config *cfg,
    store_t *store, sync_lists_fn lists_cb, void *arg);
void sync_free(struct sync *s);

/*
 * An event was committed; an urgent one (its stored urgency, event.h) is
 * sent at once, with every older unsynced event before it.
 */
void sync_kick(struct sync *s, bool urgent);

/* ---- the chain guard (docs/operations.md, docs/sync-protocol.md) ---- */

#define SYNC_MAX_OLD 8	/* old store files drained at once */

/*
 * The platform said it holds platform_seq of the store's chain.  Return
 * true when that shows the store behind: its events are then no longer
 * sent (old stores still are).
 */
typedef bool (*sync_chain_fn)(void *arg, const char *chain,
    int64_t platform_seq);
void sync_on_chain(struct sync *s, sync_chain_fn fn, void *arg);

/*
 * Send the unsynced events of an old store file too (its own chain), and
 * close it once none is left; the sync owns old from now on.
 */
void sync_drain(struct sync *s, store_t *old);

/*
 * The platform's last seq of chain in a 200 answer ("chains"): 1 with
 * *seq, 0 when the answer does not say (older platforms), -1 when it is
 * not a number or "chains" is not an object.
 */
int sync_parse_chains(const char *text, size_t len, const char *chain,
    int64_t *seq);

/*
 * Why a request to the platform failed, for the metrics (docs/status.md):
 * one cause per failed request.
 */
enum sync_fail {
	SYNC_FAIL_NONE = -1,	/* not a failure: a 200 */
	SYNC_FAIL_NETWORK,	/* no connection, or it broke (curl) */
	SYNC_FAIL_TLS,		/* TLS verification failed, or the platform refused us */
	SYNC_FAIL_AUTH,		/* HTTP 401 or 403 */
	SYNC_FAIL_HTTP_5XX,
	SYNC_FAIL_HTTP_4XX,	/* any other 4xx (408 and 429 included) */
	SYNC_FAIL_TIMEOUT,	/* the request took longer than timeout_ms */
	SYNC_FAIL_BAD_ANSWER,	/* an answer that is not the protocol's */
	SYNC_FAIL_N
};

/* The cause's metric label: network tls auth http_5xx ... bad_answer. */
const char *sync_fail_name(enum sync_fail f);

/*
 * The cause of a request's end from libcurl's result, the HTTP status and
 * libcurl's error text (a TLS alert shows only there); SYNC_FAIL_NONE for
 * a 200.  A 200 whose body is unusable is the caller's SYNC_FAIL_BAD_ANSWER.
 */
enum sync_fail sync_fail_of(int curl_code, long http_status,
    const char *errbuf);

/* Figures for the status board and the metrics. */
struct sync_stats {
	bool enabled;			/* a platform url is configured */
	int64_t backlog;		/* unsynced, unrejected events */
	int64_t last_success_ms;	/* wall clock; 0: never */
	int64_t sent_total;		/* events accepted by the platform */
	int64_t rejected_total;		/* events rejected, since start */
	int64_t failures_total;		/* failed requests, since start */
	int64_t failures[SYNC_FAIL_N];	/* failed batch POSTs, by cause */
	int64_t lists_failures[SYNC_FAIL_N];	/* failed list GETs, by cause */
	bool auth_alarm;		/* the last answer was 401/403 */
	bool tls_alarm;			/* the last failure was TLS verification */
	char lists_version[64];		/* of the last document fetched */
	/* the platform's Date header of the last answer that had one */
	uint64_t dates_seen;		/* answers with a usable Date */
	int64_t date_ms;		/* the Date, centred on its second */
	int64_t date_wall_ms;		/* the local wall clock when it was sent */
	int64_t date_boot_ms;		/* the boot clock then (ts_boot_ms) */
};
void sync_get_stats(const struct sync *s, struct sync_stats *out);

/* ---- the pure parts, exposed for the tests ---- */

/*
 * After a batch of n events ev is sent: whether an urgent event (urgent: one
 * was committed since the last batch) still waits.  It does when more events
 * wait behind the batch and none of ev is urgent (their stored urgency: the
 * bodies are never read).  Until then old stores wait and the next batch
 * goes at once.
 */
bool sync_urgent_left(bool urgent, const struct store_event *ev, size_t n,
    bool more);

/*
 * The POST body {"controller":ID,"events":[...]} for the first events of ev
 * (all of the store's chain), at most max_events and max_bytes long (but
 * always at least one event).  Each event's body is a JSON string whose
 * value is the stored text.
 * Returns how many events it holds.
 */
size_t sync_build_batch(struct sbuf *out, const char *controller,
    const char *chain, const struct store_event *ev, size_t n, size_t max_events,
    size_t max_bytes);

enum sync_fate { SYNC_UNMENTIONED = 0, SYNC_ACCEPTED, SYNC_REJECTED };

/*
 * Read a 200 answer for the n events sent: fate[i] for each, and for a
 * rejected one its error in errors[i] (malloc'd, caller frees; may be NULL
 * for fates other than rejected).  Uuids that were not sent are ignored.
 * Returns 0, or -1 for an answer that is not the §7 document.
 */
int sync_parse_response(const char *text, size_t len,
    const struct store_event *ev, size_t n, enum sync_fate *fate,
    char **errors);

/* Named outcomes of one request (STYLE.md). */
enum sync_outcome {
	SYNC_OK,		/* 200: read the answer */
	SYNC_RETRY,		/* transient: network, TLS, timeout, 408, 429, 5xx */
	SYNC_AUTH,		/* 401/403: retry with backoff, alarm */
	SYNC_REFUSED		/* another 4xx: halve the batch, or reject one */
};
enum sync_outcome sync_classify(int curl_code, long http_status);

/*
 * Delay before retry number attempt (1, 2, ...): full jitter, a uniform
 * pick in [min_ms, min(max_ms, min_ms * 2^(attempt-1))] using rnd, and at
 * least retry_after_ms (the server's Retry-After, capped at max_ms).
 */
int64_t sync_backoff_ms(int attempt, int64_t min_ms, int64_t max_ms,
    int64_t retry_after_ms, uint64_t rnd);

/* The batch size after a 4xx refused a batch of n (0: reject the one). */
size_t sync_halve(size_t n);

#endif
