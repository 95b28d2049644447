/*
 * Modbus links and their I/O threads (docs/design.md §4.1, §4.2).
 *
 * One link per TCP address (host:port) or RTU bus (device); one thread per
 * link owns its connection (our own Modbus TCP client, mbtcp.h, over TCP;
 * a libmodbus modbus_t over RTU) and serves every unit id behind it.  The thread
 * polls each registered read at its own interval, and hands the main loop
 * only what changed (new data, or a change of health) through a mutex
 * queue, waking the loop with event_active() on a user event.  Writes go
 * the other way through a second queue; queuing one wakes the thread, which
 * makes it at once (between two reads at worst), not at the next poll.
 * The main loop never calls libmodbus.  Health is per registered read
 * (lane, device): one MB_DOWN per episode, MB_UP then MB_DATA on recovery.
 */
#ifndef WEIGHGATE_MBDEV_H
#define WEIGHGATE_MBDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "weighgate/config.h"
#include "weighgate/devaddr.h"

struct event;
struct mblink;

#define MB_MAX_REGS 125		/* one read or write of holding registers */
#define MB_MAX_BITS 16
#define MB_MAX_REQS 32		/* requests of one device's poll (a profile's) */
#define MB_POLL_WORDS 256	/* words all requests of one poll carry */
#define MB_ERR_MAX 128


enum mb_read_kind {
	MB_READ_HOLDING,	/* holding registers (scale block, LED counter) */
	MB_READ_DISCRETE,	/* discrete inputs (lane I/O module) */
	MB_READ_COILS,		/* coils (01) */
	MB_READ_INPUT		/* input registers (04) */
};

/* One request of a device's poll (a profile's planned request). */
struct mb_req {
	enum mb_read_kind kind;
	int addr;
	int count;		/* registers (<= MB_MAX_REGS) or bits */
};

#define MB_MAX_CMDS 4		/* command words after each connect, per poll */
#define MB_CMD_REGS 16

/* A write made once after each connect, before the first poll (PLC mode). */
struct mb_cmd {
	bool coil;		/* one coil (regs[0] != 0: on), else registers */
	int addr;
	int count;		/* registers, <= MB_CMD_REGS; a coil: 1 */
	uint16_t regs[MB_CMD_REGS];
};

/*
 * A read the thread makes every poll_ms for one lane's device: one
 * request (kind, addr, count), or, when nreq > 0, the nreq requests of
 * req[] made one after the other in each cycle and reported together
 * (MB_DATA's regs: every request's words in order, a bit as a 0/1 word),
 * so that no decode ever mixes two cycles.
 */
struct mb_poll {
	int lane;		/* index into the daemon's lanes */
	enum dev_role device;
	int unit;
	enum mb_read_kind kind;
	int addr;
	int count;		/* registers or bits, <= MB_MAX_REGS / MB_MAX_BITS */
	int nreq;		/* > 0: req[] instead of kind, addr, count */
	struct mb_req req[MB_MAX_REQS];
	int ncmd;		/* written after each connect, in order */
	struct mb_cmd cmd[MB_MAX_CMDS];
};

/* What the thread hands the loop. */
enum mb_report_kind {
	MB_DATA,		/* a read answered with values unlike the last ones */
	MB_DOWN,		/* a device stopped answering (first failure) */
	MB_UP,			/* a device answers again */
	MB_WRITE_FAILED,	/* a queued write could not be made */
	MB_STRAY,		/* frames nobody asked for, discarded (TCP) */
	MB_FAILED		/* transactions that failed, by cause (merged) */
};

/* Why a Modbus transaction failed (MB_FAILED; docs/status.md). */
enum mb_fail {
	MB_FAIL_TIMEOUT,	/* no answer within timeout_ms */
	MB_FAIL_EXCEPTION,	/* the device answered with an exception */
	MB_FAIL_BAD_FRAME,	/* an answer, but not a usable one (CRC, length) */
	MB_FAIL_LINK,		/* the connection or serial port failed under it */
	MB_FAIL_N
};

/* The cause's metric label: timeout exception bad_frame link. */
const char *mb_fail_name(enum mb_fail f);

struct mb_report {
	enum mb_report_kind kind;
	int lane;
	enum dev_role device;
	int64_t mono_ms;	/* when the read completed / failed */
	int count;
	uint16_t regs[MB_POLL_WORDS];	/* MB_DATA, holding; all words of req[] */
	uint8_t bits[MB_MAX_BITS];	/* MB_DATA, discrete */
	int64_t down_since_ms;	/* MB_DOWN: time of the first failure */
	char err[MB_ERR_MAX];	/* MB_DOWN, MB_WRITE_FAILED: libmodbus's words */
	uint64_t strays;	/* MB_STRAY: how many, in a request for device */
	enum mb_fail fail;	/* MB_FAILED: the cause */
	uint64_t failed;	/* MB_FAILED: how many transactions */
};

enum mb_write_kind {
	MB_WRITE_COIL,		/* one coil */
	MB_WRITE_PULSE,		/* a coil set to 1 for pulse_ms, then 0 */
	MB_WRITE_REGS		/* holding registers */
};

struct mb_write {
	enum mb_write_kind kind;
	int lane;
	enum dev_role device;
	int unit;
	int addr;
	int count;
	uint16_t regs[MB_MAX_REGS];
	bool on;		/* MB_WRITE_COIL */
	int pulse_ms;		/* MB_WRITE_PULSE */
	int64_t queued_mono_ms;	/* for the latency figures */
};

/*
 * A link for addr (its unit id is ignored: each poll and write names its
 * unit).  poll_ms and timeout_ms apply to every read on the link.  When
 * reports are queued, wake is made active on the loop (it must be an event
 * created with event_new(base, -1, 0, cb, arg)).
 */
struct mblink *mblink_new(const struct devaddr *addr, int poll_ms,
    int timeout_ms, struct event *wake);
/* Register a read before mblink_start(). */
int mblink_add_poll(struct mblink *l, const struct mb_poll *p);
/*
 * Before mblink_start(): every device of the link counts as down until it
 * answers, so its first answer is MB_UP then MB_DATA (a link that replaces
 * another: the lane writes its outputs again), and one that never answers
 * sends no MB_DOWN (the lane was told already).
 */
void mblink_start_down(struct mblink *l);
int mblink_start(struct mblink *l);
/*
 * Stop the thread: it finishes the read in hand, makes the writes still
 * queued (one connect attempt if down; each bounded by timeout_ms) and ends
 * pending pulses, then exits.  Reports stay queued until mblink_free().
 */
void mblink_stop(struct mblink *l);
void mblink_free(struct mblink *l);
/*
 * Let go of a link whose thread may be stuck in a call, without waiting
 * for it: the caller must not use l again.  The thread, once its call
 * returns, makes no more transactions, drops its queued writes and
 * reports, closes its connection and frees the link.
 */
void mblink_abandon(struct mblink *l);
/* Abandoned threads still stuck in their call (process-wide). */
int mblink_abandoned_running(void);

/*
 * Queue a write; the thread is woken and makes it promptly.  Never blocks
 * on I/O.  A write that cannot be made (link down, device error, invalid,
 * queue full) comes back as MB_WRITE_FAILED; it is never retried later.
 */
void mblink_write(struct mblink *l, const struct mb_write *w);
/* Take up to max queued reports (main loop); returns how many. */
int mblink_take(struct mblink *l, struct mb_report *out, int max);
/*
 * How long the thread has been in its current step (a connect, one
 * transaction, a pulse) at now_ms; 0 while it sleeps between steps.  A
 * healthy thread's figure stays below its timeout_ms (plus a pulse).
 */
int64_t mblink_busy_ms(const struct mblink *l, int64_t now_ms);
/*
 * Test hook: after its next completed poll cycle the thread sleeps ms once,
 * as if stuck in a call (docs/lane.md, WEIGHGATE_TEST_STALL).
 */
void mblink_test_stall(struct mblink *l, int ms);
/* Statistics for metrics: transactions and errors made so far. */
uint64_t mblink_transactions(const struct mblink *l);
uint64_t mblink_errors(const struct mblink *l);
/* Frames received on a TCP link that were not the reply in flight. */
uint64_t mblink_strays(const struct mblink *l);

#endif
