/*
 * libcurl's multi interface on the daemon's libevent loop, after curl's
 * docs/examples/hiperfifo.c: libcurl tells us which sockets to watch
 * (socket function) and when to wake it (timer function); libevent tells
 * libcurl when a socket is ready or the timer fired; finished transfers
 * are read from curl_multi_info_read and handed to their callbacks.
 * Nothing here blocks and nothing calls exit().
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "weighgate/curl_ev.h"
#include "weighgate/log.h"

/* One socket libcurl asked us to watch: its persistent event. */
struct ce_sock {
	struct curl_ev *ce;
	curl_socket_t fd;
	struct event *ev;
	LIST_ENTRY(ce_sock) entry;
};

/* One running transfer: its done callback. */
struct ce_xfer {
	CURL *easy;
	curl_ev_done_fn done;
	void *arg;
	LIST_ENTRY(ce_xfer) entry;
};

struct curl_ev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	LIST_HEAD(, ce_sock) socks;
	LIST_HEAD(, ce_xfer) xfers;
	int running;
};

static void
sock_free(struct ce_sock *s)
{
	LIST_REMOVE(s, entry);
	if (s->ev != NULL)
		event_free(s->ev);	/* event_del of a closed fd: EBADF ignored */
	free(s);
}

/* Hand every finished transfer to its callback, reading its result first. */
static void
drain(struct curl_ev *ce)
{
	struct ce_xfer *x;
	CURLMsg *m;
	CURLcode result;
	CURL *easy;
	char *priv;
	int left;

	while ((m = curl_multi_info_read(ce->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		easy = m->easy_handle;
		result = m->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		curl_multi_remove_handle(ce->multi, easy);
		if ((x = (struct ce_xfer *)(void *)priv) == NULL)
			continue;
		LIST_REMOVE(x, entry);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		x->done(easy, result, x->arg);
		free(x);
	}
	if (ce->running == 0 && LIST_EMPTY(&ce->xfers))
		evtimer_del(ce->timer);
}

/* A watched socket is readable or writable: tell libcurl, then drain. */
static void
on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct curl_ev *ce = arg;
	int action = 0;
	CURLMcode rc;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	rc = curl_multi_socket_action(ce->multi, fd, action, &ce->running);
	if (rc != CURLM_OK)
		log_warnx("sync: curl_multi_socket_action: %s",
		    curl_multi_strerror(rc));
	drain(ce);
}

/* libcurl's timeout expired: let it do its work, then drain. */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct curl_ev *ce = arg;
	CURLMcode rc;

	(void)fd;
	(void)what;
	rc = curl_multi_socket_action(ce->multi, CURL_SOCKET_TIMEOUT, 0,
	    &ce->running);
	if (rc != CURLM_OK)
		log_warnx("sync: curl_multi_socket_action: %s",
		    curl_multi_strerror(rc));
	drain(ce);
}

/* CURLMOPT_TIMERFUNCTION: (re)arm the one timer; never calls libcurl. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct curl_ev *ce = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0)
		return evtimer_del(ce->timer);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(ce->timer, &tv);
}

static int
sock_watch(struct curl_ev *ce, struct ce_sock *s, int what)
{
	short kind = EV_PERSIST;

	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s->ev != NULL)
		event_free(s->ev);
	if ((s->ev = event_new(ce->base, s->fd, kind, on_sock, ce)) == NULL)
		return -1;
	return event_add(s->ev, NULL);
}

/*
 * CURLMOPT_SOCKETFUNCTION: libcurl wants fd watched for what, or no more
 * (CURL_POLL_REMOVE, perhaps after it closed fd).  sockp is our ce_sock,
 * kept with curl_multi_assign.
 */
static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct curl_ev *ce = arg;
	struct ce_sock *s = sockp;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			sock_free(s);
		curl_multi_assign(ce->multi, fd, NULL);
		return 0;
	}
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		s->ce = ce;
		s->fd = fd;
		LIST_INSERT_HEAD(&ce->socks, s, entry);
		curl_multi_assign(ce->multi, fd, s);
	}
	if (sock_watch(ce, s, what) != 0) {
		log_warnx("sync: cannot watch socket %d", (int)fd);
		return -1;
	}
	return 0;
}

struct curl_ev *
curl_ev_new(struct event_base *base)
{
	struct curl_ev *ce;

	if ((ce = calloc(1, sizeof(*ce))) == NULL)
		return NULL;
	ce->base = base;
	LIST_INIT(&ce->socks);
	LIST_INIT(&ce->xfers);
	if ((ce->multi = curl_multi_init()) == NULL ||
	    (ce->timer = evtimer_new(base, on_timer, ce)) == NULL)
		goto fail;
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETDATA, ce);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERDATA, ce);
	curl_multi_setopt(ce->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return ce;
fail:
	if (ce->multi != NULL)
		curl_multi_cleanup(ce->multi);
	free(ce);
	return NULL;
}

void
curl_ev_free(struct curl_ev *ce)
{
	struct ce_xfer *x;

	if (ce == NULL)
		return;
	while ((x = LIST_FIRST(&ce->xfers)) != NULL) {
		LIST_REMOVE(x, entry);
		curl_multi_remove_handle(ce->multi, x->easy);
		curl_easy_setopt(x->easy, CURLOPT_PRIVATE, NULL);
		free(x);
	}
	curl_multi_cleanup(ce->multi);
	while (!LIST_EMPTY(&ce->socks))
		sock_free(LIST_FIRST(&ce->socks));
	event_free(ce->timer);
	free(ce);
}

int
curl_ev_add(struct curl_ev *ce, CURL *easy, curl_ev_done_fn done, void *arg)
{
	struct ce_xfer *x;
	CURLMcode rc;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if ((rc = curl_multi_add_handle(ce->multi, easy)) != CURLM_OK) {
		log_warnx("sync: curl_multi_add_handle: %s",
		    curl_multi_strerror(rc));
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return -1;
	}
	LIST_INSERT_HEAD(&ce->xfers, x, entry);
	return 0;
}

