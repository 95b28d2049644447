/*
 * The camera listener of docs/camera.md: evhttp on camera_listen, on the
 * daemon's loop.  Lane cameras push their reads to it (Hikvision "HTTP
 * listening", or the generic JSON push) by POST on any path.
 *
 * Every request is checked in this order, and each refusal answered and
 * counted: the peer's address against the allowed sources (403), the
 * credentials when configured (401; basic or digest: camera_auth), the
 * method (405), the body's size (413), the body (400: camera_parse()
 * refused it).  An accepted push goes to the source (the daemon), which
 * says which lane's camera it is (404: none) and feeds the lane.  The
 * listener keeps nothing of the daemon.
 */
#ifndef WEIGHGATE_CAMERA_LISTEN_H
#define WEIGHGATE_CAMERA_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "weighgate/camera.h"

struct sockaddr;
struct camera_listen;

/* ---- addresses (pure) ---- */

#define CAMERA_NETS_MAX 32

/* One allowed source: an IPv4 or IPv6 address and a prefix length. */
struct camera_net {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;		/* 0-32 or 0-128 */
};

struct camera_nets {
	int n;
	struct camera_net net[CAMERA_NETS_MAX];
};

/*
 * "ADDR[/PREFIX][, ADDR[/PREFIX]...]" (commas or blanks between): IPv4 or
 * IPv6 literals, no names.  out may be NULL (the configuration's check).
 * 0, or -1 with err naming the entry.
 */
int camera_nets_parse(const char *list, struct camera_nets *out, char *err,
    size_t errlen);
/* The peer is one of nets (an IPv4-mapped IPv6 peer as its IPv4). */
bool camera_nets_match(const struct camera_nets *nets,
    const struct sockaddr *peer);

/*
 * "Basic BASE64(user:password)" of an Authorization header against user
 * and password: the comparison takes the same time whatever is offered.
 */
bool camera_basic_ok(const char *authorization, const char *user,
    const char *password);

/* ---- which lane's camera (pure) ---- */

/* What tells a lane's camera apart; an empty field matches any push. */
struct camera_route {
	const char *id;			/* deviceID / generic "camera" */
	const char *channel;		/* channelID */
	const struct camera_nets *source;	/* NULL or empty: any */
};

/*
 * The first of n routes the read from peer matches, or -1.  A route that
 * names nothing matches only when it is the only one.
 */
int camera_route_find(const struct camera_route *routes, int n,
    const struct sockaddr *peer, const struct camera_read *r);

/* ---- the listener ---- */

/* How a request ended, as counted (weighgate_camera_requests_total). */
enum camera_req {
	CREQ_READ,		/* a plate read, given to a lane */
	CREQ_NO_PLATE,		/* a read without a plate, given to a lane */
	CREQ_OTHER,		/* a push that is no read (heartbeat) */
	CREQ_UNMATCHED,		/* 404: no lane's camera */
	CREQ_BAD,		/* 400 */
	CREQ_TOO_LARGE,		/* 413 */
	CREQ_FORBIDDEN,		/* 403: source not allowed */
	CREQ_UNAUTHORIZED,	/* 401 */
	CREQ_METHOD,		/* 405: not POST/PUT */
	CREQ_CHALLENGED,	/* 401: no credentials yet, or a stale nonce */
	CREQ_N
};

/* "read", "no_plate", ... for the metrics' result label. */
const char *camera_req_name(enum camera_req k);

struct camera_listen_stats {
	bool on;			/* camera_listen is set */
	bool bound;
	int connections, max_connections;
	uint64_t refused_total;		/* connections past the limit */
	uint64_t timed_out_total;	/* closed: no whole request in time */
	uint64_t requests[CREQ_N];
};

/*
 * Which credentials a listener with camera_user takes (camera_auth, in
 * the configuration's order): both schemes, basic, or digest only.
 */
enum camera_auth { CAMERA_AUTH_ANY, CAMERA_AUTH_BASIC, CAMERA_AUTH_DIGEST };

struct camera_listen_cfg {
	const char *listen;		/* "HOST:PORT" */
	int max_conns;
	int timeout_s;
	struct camera_limits lim;
	struct camera_nets allow;	/* who may push at all */
	const char *user;		/* NULL or "": no credentials asked */
	const char *password;
	enum camera_auth auth;		/* with user */
};

struct camera_listen_source {
	void *arg;
	/*
	 * A push accepted from peer: the daemon tells the lane (or none)
	 * and returns CREQ_READ, CREQ_NO_PLATE, CREQ_OTHER or CREQ_UNMATCHED.
	 */
	enum camera_req (*push)(void *arg, const struct sockaddr *peer,
	    const struct camera_read *r);
};

/*
 * Serve on cfg->listen; a port that cannot be bound is tried again every
 * few seconds.  NULL only when out of memory or listen is malformed.
 */
struct camera_listen *camera_listen_new(struct event_base *base,
    const struct camera_listen_cfg *cfg, const struct camera_listen_source *src);
void camera_listen_free(struct camera_listen *c);
void camera_listen_stats(const struct camera_listen *c,
    struct camera_listen_stats *out);

#endif
