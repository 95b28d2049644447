/* Modbus links: one I/O thread per TCP address or RTU bus (docs/design.md §4.1, §4.2, §11). */
/*
 * Each link owns one connection, used by its thread only: a TCP link our
 * own Modbus TCP client (mbtcp.c), an RTU bus a libmodbus modbus_t
 * (libmodbus is not thread-safe).  The thread loops: connect if due, make
 * the queued writes, poll every registered read when the poll deadline
 * comes, sleep on a condition variable (CLOCK_MONOTONIC) until the next
 * deadline or until a write is queued.  What it finds goes to the main
 * loop through a mutex queue of reports, and event_active() on the loop's
 * wake event.
 *
 * Choices made here (see also docs):
 * - A "device" for health is one registered poll (lane, device).  The first
 *   answer after start is reported as MB_DATA; after that MB_DATA only when
 *   the values changed, and for a poll of several requests once more after
 *   each change, unchanged or not: a new result read across requests may
 *   be torn, and the lane decides it only when a second read shows the
 *   same (docs/devices.md "A result read in several requests").  The first
 *   failure of a device since it last answered is one MB_DOWN; its next
 *   answer is MB_UP then MB_DATA (always).
 *   A Modbus exception is a failure of that poll only: the link stays up.
 * - Over TCP every read and write goes through mbtcp: each request has a
 *   fresh transaction id, and only the frame with that id, the unit and
 *   the function of the request is its reply (checked whole: byte count,
 *   echoes).  Any other frame (a reply nobody asked for, a late reply, an
 *   answer for another unit) is skipped unread and counted, and the socket
 *   is drained before each request and after its reply, so nothing is
 *   ever decided from bytes the device was not asked for.  Each such
 *   frame is reported (MB_STRAY) for the device the request in flight was
 *   for; 3 of them within 10 s close the connection (logged, rate-
 *   limited), which is made again with the backoff below (at once the
 *   first time, within the same step, so queued writes are not failed).
 *   libmodbus 3.1.6 could not do this: its raw requests all carry
 *   transaction id 0, and its ordinary reads do not check a TCP reply's
 *   unit id.  Over RTU libmodbus checks the slave itself.
 * - Descriptors: libmodbus 3.1.6 select()s on its descriptor, and one at
 *   or above FD_SETSIZE corrupts memory; a serial port opened as such is
 *   closed again at once (logged, rate-limited) and retried with the
 *   backoff.  mbtcp waits with poll() and has no such limit.
 * - Errors: after anything but an exception an RTU link is flushed
 *   (modbus_flush), so a late reply cannot desynchronise the next one (a
 *   TCP link is drained before every request anyway).  A
 *   connection-level error (reset, broken pipe, refused, I/O error on a
 *   serial port...) or a cycle in which no unit answered and one timed out
 *   closes the link; it is reconnected with backoff: at once the first time,
 *   then 100 ms doubling to 5 s until a transaction succeeds again.  While
 *   disconnected, each poll deadline reports every device DOWN (once).
 * - Units sharing an address share the thread: a dead unit costs its
 *   timeout in every cycle, but the others are still polled each cycle.
 *   Separate addresses have separate threads and never wait for each other.
 * - Writes are made in queue order, before polls and between the polls of a
 *   cycle, so a write waits at most for one transaction in flight.  A write
 *   queued while the link is down fails at once (MB_WRITE_FAILED): a stale
 *   barrier command is never made later.  MB_WRITE_PULSE writes 1 and
 *   schedules the 0 for pulse_ms later in the same thread; polls go on
 *   meanwhile.  Holding registers are always written with function 16.
 * - The report queue holds at most REPORTS_MAX reports; when full the
 *   oldest MB_DATA of the same device is dropped (else the oldest MB_DATA),
 *   never a change of health.  An MB_STRAY is added to one of its device
 *   still queued, if any.  The thread never waits for the loop.
 * - mblink_stop makes the writes still queued (one connect attempt if
 *   needed, each bounded by timeout_ms) and finishes pending pulses.
 * - Stalls: the thread notes when it began its current step (a connect, a
 *   transaction, a pulse) and clears it while it sleeps, so the loop can
 *   tell a thread stuck in a call (mblink_busy_ms) from one that is idle.
 *   A stuck link is abandoned (mblink_abandon): the loop forgets it at
 *   once, and the thread, whenever its call returns, makes no further
 *   transaction, drops its queued writes and reports, and frees the link
 *   itself.  It owns nothing the loop still uses: its connection (mbtcp
 *   socket, or modbus_t and serial port descriptor) and its queues are its
 *   own.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <event2/event.h>
#include <modbus.h>

#include "weighgate/log.h"
#include "weighgate/config.h"
#include "weighgate/mbdev.h"
#include "weighgate/mbtcp.h"
#include "weighgate/timefmt.h"

#define MAX_POLLS (CFG_MAX_LANES * ROLE_NMODBUS)
#define MAX_PULSES 16
#define REPORTS_MAX 1024
#define WRITES_MAX 256
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define BYTE_TIMEOUT_MAX_MS 200
#define PULSE_MAX_MS 10000
#define STRAY_LIMIT 3		/* stray frames within STRAY_WINDOW_MS: close */
#define STRAY_WINDOW_MS 10000

/* Abandoned threads whose stuck call has not returned yet. */
static atomic_int abandoned_running;

enum health { H_UNKNOWN, H_UP, H_DOWN };

enum outcome { OUT_OK, OUT_EXCEPTION, OUT_TIMEOUT, OUT_ERROR, OUT_LINK };

struct poll_state {
	struct mb_poll p;
	enum health health;
	bool have_last;
	bool report_next;		/* nreq > 1: report the next answer too */
	int nwords;			/* nreq > 0: words of all requests */
	uint16_t regs[MB_POLL_WORDS];
	uint8_t bits[MB_MAX_BITS];
};

struct rnode {
	struct rnode *next;
	struct mb_report r;
};

struct wnode {
	struct wnode *next;
	struct mb_write w;
};

struct pulse_off {
	int64_t due_ms;
	struct mb_write w;
};

struct mblink {
	char name[300];			/* for logs */
	modbus_t *ctx;			/* RTU: libmodbus */
	struct mbtcp *mt;		/* TCP: our own client */
	bool tcp;
	int poll_ms;
	int timeout_ms;
	struct event *wake;
	int npolls;
	struct poll_state *polls[MAX_POLLS];	/* npolls of them, malloc'd */

	/* The thread's own. */
	bool connected;
	int backoff_ms;
	int64_t next_connect_ms;
	int last_errno;
	int npulses;
	struct pulse_off pulses[MAX_PULSES];
	uint64_t strays_seen;		/* mbtcp_strays() already accounted */
	int nstray;			/* of stray_ms, up to STRAY_LIMIT */
	int64_t stray_ms[STRAY_LIMIT];	/* the last strays, oldest first */
	struct log_limit stray_log;
	struct log_limit fd_log;

	/* Shared, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct rnode *rhead, *rtail;
	int nreports;
	uint64_t dropped;
	struct wnode *whead, *wtail;
	int nwrites;

	bool abandoned;			/* the loop has let go: free at exit */
	bool start_down;		/* devices count as down until they answer */

	_Atomic int64_t busy_since;	/* mono ms of the step in hand; 0: idle */
	_Atomic int test_stall_ms;	/* test hook: sleep once after a cycle */
	_Atomic uint64_t transactions;
	_Atomic uint64_t errors;
	_Atomic uint64_t strays;
	pthread_t thread;
	bool started;
};

static bool
is_exception(int e)
{
	return (e >= EMBXILFUN && e <= EMBXGTAR) || e == EMBUNKEXC;
}

/* Errors after which the connection (or serial port) is not usable. */
static bool
is_link_error(int e)
{
	switch (e) {
	case ECONNRESET:
	case ECONNREFUSED:
	case ECONNABORTED:
	case EPIPE:
	case EBADF:
	case ENOTCONN:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EIO:
	case ENXIO:
	case ENODEV:
		return true;
	default:
		return false;
	}
}

static enum outcome
classify(int e)
{
	if (is_exception(e))
		return OUT_EXCEPTION;
	if (e == ETIMEDOUT)
		return OUT_TIMEOUT;
	if (is_link_error(e))
		return OUT_LINK;
	return OUT_ERROR;
}

/* Unlink and free the node *pp (prev before it, NULL at the head). */
static void
reports_unlink(struct mblink *l, struct rnode **pp, struct rnode *prev)
{
	struct rnode *n = *pp;

	*pp = n->next;
	if (l->rtail == n)
		l->rtail = prev;
	free(n);
	l->nreports--;
}

/*
 * Make room in a full report queue for r: the oldest MB_DATA of the same
 * device goes, else the oldest MB_DATA.  False if r itself is dropped.
 */
static bool
reports_make_room(struct mblink *l, const struct mb_report *r)
{
	struct rnode **pp, **victim = NULL, *prev = NULL, *vprev = NULL;

	l->dropped++;
	for (pp = &l->rhead; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if ((*pp)->r.kind != MB_DATA)
			continue;
		if (victim == NULL || ((*pp)->r.lane == r->lane &&
		    (*pp)->r.device == r->device)) {
			victim = pp;
			vprev = prev;
		}
		if ((*pp)->r.lane == r->lane && (*pp)->r.device == r->device)
			break;
	}
	if (victim == NULL) {
		if (r->kind == MB_DATA || r->kind == MB_STRAY ||
		    r->kind == MB_FAILED)
			return false;
		victim = &l->rhead;	/* only health reports: the oldest */
		vprev = NULL;
	}
	reports_unlink(l, victim, vprev);
	return true;
}

/*
 * Add r's count to a queued MB_STRAY of its device, or a queued MB_FAILED
 * of its device and cause (under mu); false: none.  A device that keeps
 * failing thus holds at most one such report per cause in the queue.
 */
static bool
counts_merge(struct mblink *l, const struct mb_report *r)
{
	struct rnode *q;

	for (q = l->rhead; q != NULL; q = q->next) {
		if (q->r.kind != r->kind || q->r.lane != r->lane ||
		    q->r.device != r->device)
			continue;
		if (r->kind == MB_STRAY) {
			q->r.strays += r->strays;
			return true;
		}
		if (q->r.fail == r->fail) {
			q->r.failed += r->failed;
			return true;
		}
	}
	return false;
}

/* Queue a report for the loop and wake it.  Never blocks on the loop. */
static void
report_push(struct mblink *l, const struct mb_report *r)
{
	struct rnode *n;
	bool add = true;

	if ((n = malloc(sizeof(*n))) == NULL) {
		log_warn("%s: report dropped", l->name);
		return;
	}
	n->r = *r;
	n->next = NULL;
	pthread_mutex_lock(&l->mu);
	if (l->abandoned)
		add = false;
	else if ((r->kind == MB_STRAY || r->kind == MB_FAILED) &&
	    counts_merge(l, r))
		add = false;
	else if (l->nreports >= REPORTS_MAX)
		add = reports_make_room(l, r);
	if (add) {
		if (l->rtail != NULL)
			l->rtail->next = n;
		else
			l->rhead = n;
		l->rtail = n;
		l->nreports++;
	}
	/* under the lock: an abandoned link's loop may be gone */
	if (add && l->wake != NULL)
		event_active(l->wake, EV_READ, 0);
	pthread_mutex_unlock(&l->mu);
	if (!add)
		free(n);
}

/* The thread starts a step that may block (for the stall supervision). */
static void
busy(struct mblink *l)
{
	int64_t now = ts_mono_ms();

	atomic_store(&l->busy_since, now);
}

static void
report_init(struct mb_report *r, enum mb_report_kind kind, int lane,
    enum dev_role dev)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->lane = lane;
	r->device = dev;
	r->mono_ms = ts_mono_ms();
}

/* A poll's device failed: MB_DOWN the first time since it last answered. */
static void
poll_down(struct mblink *l, struct poll_state *ps, int64_t now, int e)
{
	struct mb_report r;

	if (ps->health == H_DOWN)
		return;
	ps->health = H_DOWN;
	ps->have_last = false;
	report_init(&r, MB_DOWN, ps->p.lane, ps->p.device);
	r.down_since_ms = now;
	snprintf(r.err, sizeof(r.err), "%s", modbus_strerror(e));
	log_warnx("%s unit %d: not answering (%s)", l->name, ps->p.unit, r.err);
	report_push(l, &r);
}

/* A poll answered: MB_UP if it was down, MB_DATA if the values changed. */
static void
poll_up(struct mblink *l, struct poll_state *ps, const uint16_t *regs,
    const uint8_t *bits)
{
	struct mb_report r;
	size_t nbytes;
	const void *src;
	void *dst;

	if (ps->p.nreq > 0 || ps->p.kind == MB_READ_HOLDING) {
		nbytes = (size_t)(ps->p.nreq > 0 ? ps->nwords : ps->p.count) *
		    sizeof(regs[0]);
		src = regs;
		dst = ps->regs;
	} else {
		nbytes = (size_t)ps->p.count;
		src = bits;
		dst = ps->bits;
	}
	if (ps->health == H_DOWN) {
		log_info("%s unit %d: answering again", l->name, ps->p.unit);
		report_init(&r, MB_UP, ps->p.lane, ps->p.device);
		report_push(l, &r);
	}
	ps->health = H_UP;
	if (ps->have_last && memcmp(dst, src, nbytes) == 0) {
		if (!ps->report_next)
			return;
		ps->report_next = false;
	} else
		ps->report_next = ps->p.nreq > 1;
	memcpy(dst, src, nbytes);
	ps->have_last = true;
	report_init(&r, MB_DATA, ps->p.lane, ps->p.device);
	r.count = ps->p.nreq > 0 ? ps->nwords : ps->p.count;
	memcpy(ps->p.nreq > 0 || ps->p.kind == MB_READ_HOLDING ?
	    (void *)r.regs : (void *)r.bits, src, nbytes);
	report_push(l, &r);
}

/* Close the link and set when to try again (backoff); no log. */
static void
link_close(struct mblink *l, int e)
{
	int64_t now = ts_mono_ms();

	if (l->tcp)
		mbtcp_close(l->mt);
	else
		modbus_close(l->ctx);
	l->connected = false;
	l->nstray = 0;
	l->last_errno = e;
	l->next_connect_ms = now + l->backoff_ms;
	if (l->backoff_ms == 0)
		l->backoff_ms = BACKOFF_MIN_MS;
	else if ((l->backoff_ms *= 2) > BACKOFF_MAX_MS)
		l->backoff_ms = BACKOFF_MAX_MS;
}

static void
link_drop(struct mblink *l, int e)
{
	if (l->connected)
		log_warnx("%s: connection lost (%s)", l->name, modbus_strerror(e));
	link_close(l, e);
}

static void link_connect(struct mblink *l);
static void connect_cmds(struct mblink *l);

/*
 * After a TCP transaction: the frames mbtcp discarded as not the reply in
 * flight are counted for the device the request was for (MB_STRAY), and
 * the STRAY_LIMIT-th within STRAY_WINDOW_MS closes the connection; it is
 * made again at once if the backoff allows (the first time since the last
 * successful transaction), so that the writes queued behind go on.
 * Whatever the transaction returned came from its own reply only.
 */
static void
strays_check(struct mblink *l, int lane, enum dev_role dev)
{
	uint64_t total = mbtcp_strays(l->mt), n = total - l->strays_seen, k;
	int64_t now = ts_mono_ms();
	struct mb_report r;

	if (n == 0)
		return;
	l->strays_seen = total;
	atomic_fetch_add(&l->strays, n);
	report_init(&r, MB_STRAY, lane, dev);
	r.strays = n;
	report_push(l, &r);
	for (k = 0; k < n && k < STRAY_LIMIT; k++) {
		if (l->nstray == STRAY_LIMIT)
			memmove(l->stray_ms, l->stray_ms + 1,
			    sizeof(l->stray_ms[0]) * (STRAY_LIMIT - 1));
		else
			l->nstray++;
		l->stray_ms[l->nstray - 1] = now;
	}
	if (l->nstray < STRAY_LIMIT || now - l->stray_ms[0] > STRAY_WINDOW_MS)
		return;
	log_limited(&l->stray_log, now, "%s: %d replies nobody asked for "
	    "within %d s (transaction id, unit or function not those of the "
	    "request in flight), discarded: connection closed, reconnecting",
	    l->name, STRAY_LIMIT, STRAY_WINDOW_MS / 1000);
	link_close(l, EPROTO);
	if (l->next_connect_ms <= ts_mono_ms())
		link_connect(l);	/* at once: the queued writes go on */
}

static const char *const fail_names[MB_FAIL_N] = {
	"timeout", "exception", "bad_frame", "link"
};

const char *
mb_fail_name(enum mb_fail f)
{
	return (unsigned)f < MB_FAIL_N ? fail_names[f] : "?";
}

/* A failed transaction for lane's dev, counted by cause for the metrics. */
static void
failed_report(struct mblink *l, int lane, enum dev_role dev, enum outcome o)
{
	struct mb_report r;

	report_init(&r, MB_FAILED, lane, dev);
	r.fail = o == OUT_TIMEOUT ? MB_FAIL_TIMEOUT :
	    o == OUT_EXCEPTION ? MB_FAIL_EXCEPTION :
	    o == OUT_LINK ? MB_FAIL_LINK : MB_FAIL_BAD_FRAME;
	r.failed = 1;
	report_push(l, &r);
}

/*
 * A failed transaction of lane's dev: count it, flush what may still
 * come, close on a link error.
 */
static enum outcome
after_error(struct mblink *l, int lane, enum dev_role dev, int e)
{
	enum outcome o = classify(e);

	atomic_fetch_add(&l->errors, 1);
	failed_report(l, lane, dev, o);
	if (o == OUT_LINK)
		link_drop(l, e);
	else if (o != OUT_EXCEPTION && !l->tcp)
		modbus_flush(l->ctx);	/* mbtcp drains before every request */
	return o;
}

static void
after_success(struct mblink *l)
{
	l->backoff_ms = 0;
}

/*
 * The serial port's descriptor: libmodbus 3.1.6 select()s on it, and one
 * at or above FD_SETSIZE would corrupt memory; such a port is closed again
 * and retried with the backoff.  False then.
 */
static bool
rtu_fd_usable(struct mblink *l)
{
	int fd = modbus_get_socket(l->ctx);

	if (fd < FD_SETSIZE)
		return true;
	log_limited(&l->fd_log, ts_mono_ms(), "%s: serial port opened as "
	    "descriptor %d, not below FD_SETSIZE (%d): libmodbus cannot wait "
	    "on it safely; closed, retried with backoff (too many descriptors "
	    "open)", l->name, fd, FD_SETSIZE);
	link_close(l, EMFILE);
	return false;
}

/* Close first, always (modbus_connect would leak the old descriptor). */
static void
link_connect(struct mblink *l)
{
	int e, rc;

	busy(l);
	if (l->tcp)
		rc = mbtcp_connect(l->mt);
	else {
		modbus_close(l->ctx);
		rc = modbus_connect(l->ctx);
	}
	if (rc == -1) {
		e = errno;
		if (l->backoff_ms == 0 || l->last_errno != e)
			log_warnx("%s: cannot connect (%s)", l->name,
			    modbus_strerror(e));
		link_drop(l, e);
		return;
	}
	if (!l->tcp && !rtu_fd_usable(l))
		return;
	l->connected = true;
	l->nstray = 0;
	connect_cmds(l);
}

static void
write_failed(struct mblink *l, const struct mb_write *w, const char *err)
{
	struct mb_report r;

	report_init(&r, MB_WRITE_FAILED, w->lane, w->device);
	snprintf(r.err, sizeof(r.err), "%s", err);
	report_push(l, &r);
}

static bool
write_valid(const struct mb_write *w)
{
	if (w->unit < 0 || w->unit > 255 || w->addr < 0 || w->addr > 0xffff)
		return false;
	if (w->kind == MB_WRITE_REGS)
		return w->count >= 1 && w->count <= MODBUS_MAX_WRITE_REGISTERS &&
		    w->addr + w->count <= 0x10000;
	if (w->kind == MB_WRITE_PULSE)
		return w->pulse_ms >= 0 && w->pulse_ms <= PULSE_MAX_MS;
	return w->kind == MB_WRITE_COIL;
}

/* One Modbus write transaction; 0 or -1 with errno. */
static int
write_io(struct mblink *l, const struct mb_write *w, bool on)
{
	int rc, e;

	busy(l);
	atomic_fetch_add(&l->transactions, 1);
	if (l->tcp) {
		if (w->kind == MB_WRITE_REGS)
			rc = mbtcp_write_regs(l->mt, w->unit, w->addr, w->count,
			    w->regs);
		else
			rc = mbtcp_write_coil(l->mt, w->unit, w->addr, on);
		e = errno;
		strays_check(l, w->lane, w->device);
		errno = e;
		return rc;
	}
	modbus_set_slave(l->ctx, w->unit);
	if (w->kind == MB_WRITE_REGS)
		rc = modbus_write_registers(l->ctx, w->addr, w->count, w->regs);
	else
		rc = modbus_write_bit(l->ctx, w->addr, on ? 1 : 0);
	return rc < 0 ? -1 : 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Make one write now; report it if it cannot be made. */
static void
write_one(struct mblink *l, const struct mb_write *w, bool on)
{
	int e;

	if (!write_valid(w)) {
		write_failed(l, w, "invalid write (address, count or pulse)");
		return;
	}
	if (!l->connected) {
		write_failed(l, w, "device not connected");
		return;
	}
	if (write_io(l, w, on) != 0) {
		e = errno;
		after_error(l, w->lane, w->device, e);
		write_failed(l, w, modbus_strerror(e));
		return;
	}
	after_success(l);
	if (w->kind != MB_WRITE_PULSE || !on)
		return;
	if (l->npulses < MAX_PULSES) {
		l->pulses[l->npulses].due_ms = ts_mono_ms() + w->pulse_ms;
		l->pulses[l->npulses++].w = *w;
		return;
	}
	sleep_ms(w->pulse_ms);	/* too many at once: end this one here */
	write_one(l, w, false);
}


/* The polls' command words, once after each connect (a device's PLC mode). */
static void
connect_cmds(struct mblink *l)
{
	struct mb_write w;
	int i, k;

	for (i = 0; i < l->npolls && l->connected; i++)
		for (k = 0; k < l->polls[i]->p.ncmd && l->connected; k++) {
			const struct mb_cmd *c = &l->polls[i]->p.cmd[k];

			memset(&w, 0, sizeof(w));
			w.kind = c->coil ? MB_WRITE_COIL : MB_WRITE_REGS;
			w.lane = l->polls[i]->p.lane;
			w.device = l->polls[i]->p.device;
			w.unit = l->polls[i]->p.unit;
			w.addr = c->addr;
			w.count = c->count;
			w.on = c->regs[0] != 0;
			memcpy(w.regs, c->regs, sizeof(c->regs));
			w.queued_mono_ms = ts_mono_ms();
			write_one(l, &w, w.on);
		}
}

/* The ends of pulses that are due (all of them when force). */
static void
pulses_run(struct mblink *l, bool force)
{
	struct mb_write w;
	int64_t now;
	int i;

	for (i = 0; i < l->npulses; ) {
		now = ts_mono_ms();
		if (!force && l->pulses[i].due_ms > now) {
			i++;
			continue;
		}
		if (l->pulses[i].due_ms > now)
			sleep_ms((int)(l->pulses[i].due_ms - now));
		w = l->pulses[i].w;
		l->pulses[i] = l->pulses[--l->npulses];
		write_one(l, &w, false);
	}
}

static bool
writes_pop(struct mblink *l, struct mb_write *w)
{
	struct wnode *n;

	pthread_mutex_lock(&l->mu);
	if (!l->abandoned && (n = l->whead) != NULL) {
		if ((l->whead = n->next) == NULL)
			l->wtail = NULL;
		l->nwrites--;
	} else
		n = NULL;
	pthread_mutex_unlock(&l->mu);
	if (n == NULL)
		return false;
	*w = n->w;
	free(n);
	return true;
}

/* Every queued write, in order, then the pulse ends that are due. */
static void
writes_run(struct mblink *l)
{
	struct mb_write w;

	while (writes_pop(l, &w))
		write_one(l, &w, w.kind == MB_WRITE_PULSE ? true : w.on);
	pulses_run(l, false);
}

/* One read over Modbus TCP (mbtcp); 0 or -1 with errno. */
static int
tcp_read(struct mblink *l, const struct poll_state *ps, uint16_t *regs,
    uint8_t *bits)
{
	int rc, e;

	if (ps->p.kind == MB_READ_HOLDING)
		rc = mbtcp_read_regs(l->mt, ps->p.unit, MBTCP_READ_HOLDING,
		    ps->p.addr, ps->p.count, regs);
	else
		rc = mbtcp_read_bits(l->mt, ps->p.unit, MBTCP_READ_DISCRETE,
		    ps->p.addr, ps->p.count, bits);
	e = errno;
	strays_check(l, ps->p.lane, ps->p.device);
	errno = e;
	return rc;
}

/* One read over RTU (libmodbus checks the slave id); what libmodbus returns. */
static int
rtu_read(struct mblink *l, const struct poll_state *ps, uint16_t *regs,
    uint8_t *bits)
{
	modbus_set_slave(l->ctx, ps->p.unit);
	if (ps->p.kind == MB_READ_HOLDING)
		return modbus_read_registers(l->ctx, ps->p.addr, ps->p.count,
		    regs);
	return modbus_read_input_bits(l->ctx, ps->p.addr, ps->p.count, bits);
}

static const enum mbtcp_fc req_fc[] = {
	[MB_READ_HOLDING] = MBTCP_READ_HOLDING,
	[MB_READ_DISCRETE] = MBTCP_READ_DISCRETE,
	[MB_READ_COILS] = MBTCP_READ_COILS,
	[MB_READ_INPUT] = MBTCP_READ_INPUT
};

static bool
req_bits(enum mb_read_kind k)
{
	return k == MB_READ_DISCRETE || k == MB_READ_COILS;
}

/* One request of a profile's poll into words (a bit: a 0/1 word); count or -1. */
static int
req_read(struct mblink *l, const struct poll_state *ps, const struct mb_req *q,
    uint16_t *words)
{
	uint8_t bits[MB_POLL_WORDS];
	int rc, e, i;

	if (l->tcp) {
		rc = req_bits(q->kind) ?
		    mbtcp_read_bits(l->mt, ps->p.unit, req_fc[q->kind], q->addr,
		    q->count, bits) :
		    mbtcp_read_regs(l->mt, ps->p.unit, req_fc[q->kind], q->addr,
		    q->count, words);
		e = errno;
		strays_check(l, ps->p.lane, ps->p.device);
		errno = e;
		rc = rc == 0 ? q->count : -1;
	} else {
		modbus_set_slave(l->ctx, ps->p.unit);
		switch (q->kind) {
		case MB_READ_HOLDING:
			rc = modbus_read_registers(l->ctx, q->addr, q->count, words);
			break;
		case MB_READ_INPUT:
			rc = modbus_read_input_registers(l->ctx, q->addr, q->count,
			    words);
			break;
		case MB_READ_COILS:
			rc = modbus_read_bits(l->ctx, q->addr, q->count, bits);
			break;
		default:
			rc = modbus_read_input_bits(l->ctx, q->addr, q->count, bits);
			break;
		}
	}
	if (rc == q->count && req_bits(q->kind))
		for (i = 0; i < q->count; i++)
			words[i] = bits[i] != 0;
	return rc;
}

/* Every request of a profile's poll, in order; the first failure ends it. */
static enum outcome
poll_io_reqs(struct mblink *l, struct poll_state *ps, uint16_t *words, int *err)
{
	int i, rc, at = 0;

	for (i = 0; i < ps->p.nreq; i++) {
		const struct mb_req *q = &ps->p.req[i];

		atomic_fetch_add(&l->transactions, 1);
		if ((rc = req_read(l, ps, q, words + at)) != q->count) {
			*err = rc < 0 ? errno : EMBBADDATA;
			return after_error(l, ps->p.lane, ps->p.device, *err);
		}
		at += q->count;
	}
	ps->nwords = at;
	return OUT_OK;
}

/* One read; fills regs or bits.  Returns the outcome. */
static enum outcome
poll_io(struct mblink *l, struct poll_state *ps, uint16_t *regs, uint8_t *bits,
    int *err)
{
	int rc;

	if (ps->p.nreq > 0)
		return poll_io_reqs(l, ps, regs, err);
	atomic_fetch_add(&l->transactions, 1);
	if (l->tcp)
		rc = tcp_read(l, ps, regs, bits) == 0 ? ps->p.count : -1;
	else
		rc = rtu_read(l, ps, regs, bits);
	if (rc == ps->p.count)
		return OUT_OK;
	*err = rc < 0 ? errno : EMBBADDATA;
	return after_error(l, ps->p.lane, ps->p.device, *err);
}

/* One read of a registered poll, and what it means for its device. */
static enum outcome
poll_one(struct mblink *l, struct poll_state *ps)
{
	uint16_t regs[MB_POLL_WORDS];
	uint8_t bits[MB_MAX_BITS];
	enum outcome o;
	int e = 0;

	if ((o = poll_io(l, ps, regs, bits, &e)) == OUT_OK) {
		after_success(l);
		poll_up(l, ps, regs, bits);
	} else
		poll_down(l, ps, ts_mono_ms(), e);
	return o;
}

static bool link_stopping(struct mblink *l);

/*
 * One poll cycle.  Writes queued meanwhile go out between reads.  Returns
 * false if the link dropped (the cycle is to be made again after the
 * reconnect).
 */
static bool
poll_cycle(struct mblink *l)
{
	int i, answered = 0, timeouts = 0;
	enum outcome o;
	int64_t now;

	if (!l->connected) {
		now = ts_mono_ms();
		for (i = 0; i < l->npolls; i++)
			poll_down(l, l->polls[i], now, l->last_errno);
		return true;
	}
	for (i = 0; i < l->npolls; i++) {
		/* stopped or abandoned meanwhile (a stuck connect may just have
		 * returned): no further transaction on a shared bus */
		if (link_stopping(l))
			return true;
		busy(l);
		o = poll_one(l, l->polls[i]);
		if (o == OUT_LINK)
			return false;
		answered += o == OUT_OK || o == OUT_EXCEPTION;
		timeouts += o == OUT_TIMEOUT;
		writes_run(l);
		if (!l->connected)
			return false;
	}
	if (answered == 0 && timeouts > 0) {
		link_drop(l, ETIMEDOUT);
		return false;
	}
	return true;
}

static struct timespec
mono_timespec(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	return ts;
}

/* Sleep until until_ms, a queued write or the stop.  Returns the stop flag. */
static bool
link_wait(struct mblink *l, int64_t until_ms)
{
	struct timespec ts = mono_timespec(until_ms);
	bool stop;

	atomic_store(&l->busy_since, 0);
	pthread_mutex_lock(&l->mu);
	while (!l->stop && l->whead == NULL)
		if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT)
			break;
	stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	busy(l);
	return stop;
}

static bool
link_stopping(struct mblink *l)
{
	bool stop;

	pthread_mutex_lock(&l->mu);
	stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

static int64_t
next_wakeup(const struct mblink *l, int64_t next_poll)
{
	int64_t t = next_poll;
	int i;

	if (!l->connected && l->next_connect_ms < t)
		t = l->next_connect_ms;
	for (i = 0; i < l->npulses; i++)
		if (l->pulses[i].due_ms < t)
			t = l->pulses[i].due_ms;
	return t;
}

/* At stop: the writes still queued (one connect attempt if needed). */
static void
link_finish(struct mblink *l)
{
	bool pending;

	pthread_mutex_lock(&l->mu);
	pending = l->whead != NULL;
	pthread_mutex_unlock(&l->mu);
	if ((pending || l->npulses > 0) && !l->connected)
		link_connect(l);
	writes_run(l);
	pulses_run(l, true);
}

/* Test hook (mblink_test_stall): stop making progress once, as if stuck. */
static void
test_stall(struct mblink *l)
{
	int ms = atomic_exchange(&l->test_stall_ms, 0);

	if (ms <= 0)
		return;
	log_warnx("%s: test hook: the I/O thread stalls for %d ms", l->name, ms);
	busy(l);
	sleep_ms(ms);
}

static void link_release(struct mblink *l);

/* The link's thread: connect, write, poll, sleep; until stopped. */
static void *
link_main(void *arg)
{
	struct mblink *l = arg;
	int64_t now, next_poll = ts_mono_ms();
	bool abandoned;

	l->next_connect_ms = next_poll;
	for (;;) {
		now = ts_mono_ms();
		if (link_stopping(l))
			break;
		if (!l->connected && now >= l->next_connect_ms)
			link_connect(l);
		writes_run(l);
		if (ts_mono_ms() >= next_poll && poll_cycle(l)) {
			next_poll += l->poll_ms;
			if ((now = ts_mono_ms()) > next_poll)
				next_poll = now;
			test_stall(l);
		}
		if (!l->connected && l->next_connect_ms <= ts_mono_ms())
			continue;
		if (link_wait(l, next_wakeup(l, next_poll)))
			break;
	}
	pthread_mutex_lock(&l->mu);
	abandoned = l->abandoned;
	pthread_mutex_unlock(&l->mu);
	if (abandoned) {
		atomic_fetch_sub(&abandoned_running, 1);
		log_info("%s: abandoned I/O thread ends", l->name);
		link_release(l);
		return NULL;
	}
	link_finish(l);
	atomic_store(&l->busy_since, 0);
	return NULL;
}

/* The RTU bus's libmodbus context. */
static modbus_t *
ctx_new(const struct devaddr *a)
{
	if (a->type != DEV_RTU) {
		errno = EINVAL;
		return NULL;
	}
	return modbus_new_rtu(a->device, a->baud, a->parity, a->data_bits,
	    a->stop_bits);
}

/*
 * Response timeout from the configuration; the byte timeout (between the
 * bytes of a reply once it has started) the same, at most 200 ms.
 */
static int
ctx_setup(modbus_t *ctx, int timeout_ms)
{
	int byte_ms = timeout_ms < BYTE_TIMEOUT_MAX_MS ? timeout_ms :
	    BYTE_TIMEOUT_MAX_MS;

	if (modbus_set_error_recovery(ctx, MODBUS_ERROR_RECOVERY_NONE) != 0 ||
	    modbus_set_response_timeout(ctx, (uint32_t)(timeout_ms / 1000),
	    (uint32_t)(timeout_ms % 1000) * 1000) != 0 ||
	    modbus_set_byte_timeout(ctx, (uint32_t)(byte_ms / 1000),
	    (uint32_t)(byte_ms % 1000) * 1000) != 0)
		return -1;
	return 0;
}

static int
sync_init(struct mblink *l)
{
	pthread_condattr_t ca;
	int rc;

	if (pthread_condattr_init(&ca) != 0)
		return -1;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&l->cv, &ca) != 0 ? -1 : 0;
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return -1;
	if (pthread_mutex_init(&l->mu, NULL) != 0) {
		pthread_cond_destroy(&l->cv);
		return -1;
	}
	return 0;
}

/* The address for logs, without the unit id (each poll names its own). */
static void
link_name(struct mblink *l, const struct devaddr *addr)
{
	char *p;

	devaddr_format(addr, l->name, sizeof(l->name));
	if ((p = strstr(l->name, "unit=")) != NULL && p > l->name &&
	    (p[-1] == '?' || p[-1] == '&'))
		p[-1] = '\0';
}

struct mblink *
mblink_new(const struct devaddr *addr, int poll_ms, int timeout_ms,
    struct event *wake)
{
	struct mblink *l;

	if (poll_ms < 1 || timeout_ms < 1) {
		log_warnx("mbdev: poll_ms and timeout_ms must be positive");
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("mbdev");
		return NULL;
	}
	link_name(l, addr);
	l->poll_ms = poll_ms;
	l->timeout_ms = timeout_ms;
	l->wake = wake;
	l->tcp = addr->type == DEV_TCP;
	l->last_errno = ENOTCONN;
	atomic_init(&l->busy_since, 0);
	atomic_init(&l->test_stall_ms, 0);
	atomic_init(&l->transactions, 0);
	atomic_init(&l->errors, 0);
	atomic_init(&l->strays, 0);
	if (l->tcp) {
		if ((l->mt = mbtcp_new(addr->host, addr->port,
		    timeout_ms)) == NULL) {
			log_warn("%s: cannot create a Modbus TCP client",
			    l->name);
			goto fail;
		}
	} else if ((l->ctx = ctx_new(addr)) == NULL) {
		log_warn("%s: cannot create a Modbus context", l->name);
		goto fail;
	} else if (ctx_setup(l->ctx, timeout_ms) != 0) {
		log_warn("%s: cannot set Modbus timeouts", l->name);
		goto fail;
	}
	if (sync_init(l) != 0) {
		log_warnx("%s: cannot create the thread's lock", l->name);
		goto fail;
	}
	return l;
fail:
	if (l->ctx != NULL)
		modbus_free(l->ctx);
	mbtcp_free(l->mt);
	free(l);
	return NULL;
}

/* The requests of a profile's poll fit one request each and the words. */
static bool
reqs_valid(const struct mb_poll *p)
{
	int i, words = 0;

	if (p->nreq > MB_MAX_REQS)
		return false;
	for (i = 0; i < p->nreq; i++) {
		const struct mb_req *q = &p->req[i];
		int max = req_bits(q->kind) ? MB_POLL_WORDS : MB_MAX_REGS;

		if ((unsigned)q->kind > MB_READ_INPUT || q->count < 1 ||
		    q->count > max || q->addr < 0 || q->addr + q->count > 0x10000)
			return false;
		words += q->count;
	}
	return words <= MB_POLL_WORDS;
}

static bool
cmds_valid(const struct mb_poll *p)
{
	int i;

	if (p->ncmd < 0 || p->ncmd > MB_MAX_CMDS)
		return false;
	for (i = 0; i < p->ncmd; i++) {
		const struct mb_cmd *c = &p->cmd[i];

		if (c->count < 1 || c->count > (c->coil ? 1 : MB_CMD_REGS) ||
		    c->addr < 0 || c->addr + c->count > 0x10000)
			return false;
	}
	return true;
}

int
mblink_add_poll(struct mblink *l, const struct mb_poll *p)
{
	struct poll_state *ps;
	int max = p->kind == MB_READ_HOLDING ? MB_MAX_REGS : MB_MAX_BITS;

	if (l->started || l->npolls >= MAX_POLLS) {
		log_warnx("%s: no more reads can be added", l->name);
		return -1;
	}
	if (!cmds_valid(p)) {
		log_warnx("%s: bad command words (%d)", l->name, p->ncmd);
		return -1;
	}
	if (p->nreq != 0) {
		if (p->nreq < 0 || !reqs_valid(p) || p->unit < 0 || p->unit > 255) {
			log_warnx("%s: bad read (unit %d, %d requests)", l->name,
			    p->unit, p->nreq);
			return -1;
		}
	} else if (p->count < 1 || p->count > max || p->addr < 0 ||
	    p->addr + p->count > 0x10000 || p->unit < 0 || p->unit > 255 ||
	    (p->kind != MB_READ_HOLDING && p->kind != MB_READ_DISCRETE)) {
		log_warnx("%s: bad read (unit %d, address %d, count %d)",
		    l->name, p->unit, p->addr, p->count);
		return -1;
	}
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		log_warn("%s", l->name);
		return -1;
	}
	ps->health = l->start_down ? H_DOWN : H_UNKNOWN;
	ps->p = *p;
	l->polls[l->npolls++] = ps;
	return 0;
}

void
mblink_start_down(struct mblink *l)
{
	int i;

	l->start_down = true;
	for (i = 0; i < l->npolls; i++)
		l->polls[i]->health = H_DOWN;
}

int
mblink_start(struct mblink *l)
{
	sigset_t all, old;
	int rc;

	if (l->started)
		return 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);	/* signals stay with the loop */
	rc = pthread_create(&l->thread, NULL, link_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		log_warn("%s: cannot start the I/O thread", l->name);
		return -1;
	}
	l->started = true;
	return 0;
}

void
mblink_stop(struct mblink *l)
{
	if (l == NULL || !l->started)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	l->started = false;
}

void
mblink_abandon(struct mblink *l)
{
	pthread_t t;

	if (l == NULL)
		return;
	if (!l->started) {
		mblink_free(l);
		return;
	}
	t = l->thread;
	atomic_fetch_add(&abandoned_running, 1);
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	l->abandoned = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	/* from here the thread owns l, and may already have freed it */
	pthread_detach(t);
}

void
mblink_free(struct mblink *l)
{
	if (l == NULL)
		return;
	mblink_stop(l);
	link_release(l);
}

/* Free the link (its thread ended or never ran). */
static void
link_release(struct mblink *l)
{
	struct rnode *r;
	struct wnode *w;
	int i;

	if (l->ctx != NULL) {
		modbus_close(l->ctx);
		modbus_free(l->ctx);
	}
	mbtcp_free(l->mt);
	for (i = 0; i < l->npolls; i++)
		free(l->polls[i]);
	while ((r = l->rhead) != NULL) {
		l->rhead = r->next;
		free(r);
	}
	while ((w = l->whead) != NULL) {
		l->whead = w->next;
		free(w);
	}
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/*
 * Queue a write and wake the thread.  A full write queue (the device not
 * keeping up) drops the oldest write, reported as failed.
 */
void
mblink_write(struct mblink *l, const struct mb_write *w)
{
	struct wnode *n, *old = NULL;

	if (l == NULL)
		return;
	if ((n = malloc(sizeof(*n))) == NULL) {
		log_warn("%s: write dropped", l->name);
		write_failed(l, w, "out of memory");
		return;
	}
	n->w = *w;
	n->next = NULL;
	pthread_mutex_lock(&l->mu);
	if (l->nwrites >= WRITES_MAX && (old = l->whead) != NULL) {
		if ((l->whead = old->next) == NULL)
			l->wtail = NULL;
		l->nwrites--;
	}
	if (l->wtail != NULL)
		l->wtail->next = n;
	else
		l->whead = n;
	l->wtail = n;
	l->nwrites++;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (old != NULL) {
		write_failed(l, &old->w, "write queue full");
		free(old);
	}
}

int
mblink_take(struct mblink *l, struct mb_report *out, int max)
{
	struct rnode *n;
	int k;

	if (l == NULL)
		return 0;
	for (k = 0; k < max; k++) {
		pthread_mutex_lock(&l->mu);
		if ((n = l->rhead) != NULL) {
			if ((l->rhead = n->next) == NULL)
				l->rtail = NULL;
			l->nreports--;
		}
		pthread_mutex_unlock(&l->mu);
		if (n == NULL)
			break;
		out[k] = n->r;
		free(n);
	}
	return k;
}

int64_t
mblink_busy_ms(const struct mblink *l, int64_t now_ms)
{
	int64_t since = atomic_load(&((struct mblink *)l)->busy_since);

	return since == 0 || now_ms < since ? 0 : now_ms - since;
}

void
mblink_test_stall(struct mblink *l, int ms)
{
	atomic_store(&l->test_stall_ms, ms);
}

uint64_t
mblink_transactions(const struct mblink *l)
{
	return atomic_load(&((struct mblink *)l)->transactions);
}

uint64_t
mblink_errors(const struct mblink *l)
{
	return atomic_load(&((struct mblink *)l)->errors);
}

uint64_t
mblink_strays(const struct mblink *l)
{
	return atomic_load(&((struct mblink *)l)->strays);
}

int
mblink_abandoned_running(void)
{
	return atomic_load(&abandoned_running);
}
