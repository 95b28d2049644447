/* Housekeeping of the store (docs/design.md §6): pruning and the free-disk guard. */
#ifndef WEIGHGATE_HOUSEKEEP_H
#define WEIGHGATE_HOUSEKEEP_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "weighgate/config.h"
#include "weighgate/store.h"

struct housekeep;
struct sync;

/*
 * On base: every minute, free space on the database's file system (a
 * disk_low event once per episode below disk_min_free_mb, handed to sync);
 * at start and every hour, synced events older than retention_days pruned.
 * sync may be NULL.
 */
struct housekeep *housekeep_new(struct event_base *base,
    const struct config *cfg, store_t *store, struct sync *sync);
void housekeep_free(struct housekeep *h);

/* Free space in MiB at the last check (-1: unknown), and the alarm. */
int64_t housekeep_free_mb(const struct housekeep *h);
bool housekeep_disk_low(const struct housekeep *h);

/* The directory holding path (for statvfs); "." when path has none. */
void housekeep_dirname(const char *path, char *out, size_t outlen);

#endif
