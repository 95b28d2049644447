/*
 * What a SIGHUP reload may change (docs/reload.md): the pure comparisons
 * between the configuration in force and the one just read.
 */
#ifndef WEIGHGATE_RELOAD_H
#define WEIGHGATE_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "weighgate/config.h"
#include "weighgate/sbuf.h"

/*
 * Settings that only a restart can change and that differ between a and b
 * ([controller], [platform], the set and order of the lanes): their names,
 * ", "-separated, in out.  Returns how many.
 */
int reload_restart_needed(const struct config *a, const struct config *b,
    char *out, size_t outlen);

/* A lane's device addresses or polling differ: its links are rebuilt. */
/*
 * A device the new file gives to another lane than the one that drives it
 * now (cur: each lane's configuration in use): 1 and out says which; such a
 * reload needs a restart.
 */
int reload_device_moved(const struct config *nc,
    const struct lane_cfg *const *cur, int n, char *out, size_t outlen);

bool reload_devices_changed(const struct lane_cfg *a, const struct lane_cfg *b);

/* The body of the config_reloaded event (docs/design.md §6). */
void reload_event_body(struct sbuf *b, const char *controller,
    const char *old_ruleset, const char *new_ruleset, const char *old_hash,
    const char *new_hash);

#endif
