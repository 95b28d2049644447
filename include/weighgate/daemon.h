/* The daemon: one libevent loop owning the lanes, the store and the links. */
#ifndef WEIGHGATE_DAEMON_H
#define WEIGHGATE_DAEMON_H

#include "weighgate/config.h"

/* Run until SIGTERM/SIGINT; returns the exit status. */
int daemon_run(const struct config *cfg);

#endif
