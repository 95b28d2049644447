/*
 * The guard of the event store's chain (docs/operations.md, "The store
 * deleted or replaced"): opens the store against its sidecar, begins a new
 * chain when the store is behind what was committed (moving the old file
 * aside), keeps the sidecar current, and finds old store files whose
 * unsynced events must still reach the platform.  Runs on the loop.
 */
#ifndef WEIGHGATE_GUARD_H
#define WEIGHGATE_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weighgate/config.h"
#include "weighgate/sidecar.h"
#include "weighgate/store.h"

#define GUARD_MAX_ASIDE 8	/* old store files drained at one start */
#define GUARD_MAX_CARRIED 10000	/* stale events carried into a new chain */

struct guard {
	char db[CFG_PATH_MAX];
	char path[CFG_PATH_MAX + 8];	/* the sidecar */
	struct sidecar sc;		/* as last written */
	bool sc_dirty;			/* to be written at the next tick */
	bool sc_broken;			/* a write failed: said once */
	int64_t open_seq;		/* the store's last seq when opened */
	/*
	 * The store's per-lane result sequences may be used: a sidecar of
	 * its chain vouched for it, or it is new.  Otherwise (no sidecar, a
	 * rollback) every lane starts from a baseline.
	 */
	bool trust_lane_seq;
	/* the rollback found at this start (SC_OK: none) */
	enum sidecar_verdict rolled;
	char rolled_text[384];		/* for the board and the log */
};

/*
 * Open the store at db, judged by its sidecar: when it is behind, move it
 * aside, open a new store (new chain) and record store_rollback as its
 * first event (sync kicks are the caller's: it reads g->rolled).  Logs
 * what it finds.  NULL with err on failure.
 */
store_t *guard_open(struct guard *g, const char *db, int64_t db_max_mb,
    char *err, size_t errlen);

/* After the outputs of the loop's step: write the sidecar if it changed. */
void guard_tick(struct guard *g, store_t *s);

/*
 * The platform said it holds seq platform_seq of chain: kept for the
 * sidecar.  Returns true when that shows the store behind (the platform
 * holds more than was committed through it): the sidecar then marks the
 * store's continuation since open as stale, for the next start.
 */
bool guard_platform(struct guard *g, store_t *s, const char *chain,
    int64_t platform_seq);

/*
 * Open db's old store files (<db>.old-*) that still hold unsynced events,
 * oldest first, into out (at most max).  Returns how many.
 */
int guard_asides(const struct guard *g, store_t **out, int max);

#endif
