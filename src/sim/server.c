/*
 * weighgate-sim: the Modbus side.  One thread per TCP port (a select() loop
 * over the listening socket and its clients, as libmodbus's
 * bandwidth-server-many-up.c) or one thread for the RTU bus.  Requests are
 * dispatched by unit id to a lane's scale, I/O module or LED sign and
 * answered from that device's mapping under sim->mu.
 */
#include <sys/select.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/log.h"
#include "weighgate/timefmt.h"

#include "sim.h"

#define MAX_CLIENTS	64
#define FD_LIMIT	1000	/* libmodbus 3.1.6 select()s: stay < FD_SETSIZE */
#define RTU_GAP_MS	100	/* a partial frame older than this is dropped */

/* Which lane and device a unit id on port p reaches; -1 when none. */
static int
unit_lookup(struct sim *s, const struct sim_port *p, int unit,
    struct sim_lane **l, enum dev_role *d)
{
	int lane;

	if (unit < 1)
		return -1;
	if (s->o.port_per_lane) {
		if (unit > 3)
			return -1;
		lane = p->index + 1;
	} else
		lane = (unit - 1) / 3 + 1;
	if (lane > s->nlanes)
		return -1;
	*l = &s->lanes[lane - 1];
	*d = (enum dev_role)((unit - 1) % 3);
	return 0;
}

static bool
is_write(int fc)
{
	return fc == MODBUS_FC_WRITE_SINGLE_COIL ||
	    fc == MODBUS_FC_WRITE_SINGLE_REGISTER ||
	    fc == MODBUS_FC_WRITE_MULTIPLE_COILS ||
	    fc == MODBUS_FC_WRITE_MULTIPLE_REGISTERS ||
	    fc == MODBUS_FC_MASK_WRITE_REGISTER ||
	    fc == MODBUS_FC_WRITE_AND_READ_REGISTERS;
}

/*
 * Answer one request (already read, CRC checked for RTU).  Returns -1 when
 * the connection is to be closed (a disconnect fault).
 */
static int
handle(struct sim_port *p, const uint8_t *q, int len)
{
	struct sim *s = p->sim;
	int hdr = modbus_get_header_length(p->ctx);
	int unit = q[hdr - 1], fc = q[hdr], rc = 0;
	struct sim_lane *l;
	enum dev_role d;
	int64_t now = ts_mono_ms();

	if (unit_lookup(s, p, unit, &l, &d) == -1) {
		if (s->o.rtu == NULL)
			modbus_reply_exception(p->ctx, q,
			    MODBUS_EXCEPTION_GATEWAY_TARGET);
		return 0;
	}
	pthread_mutex_lock(&s->mu);
	switch (simlane_fault(l, d, now)) {
	case FM_TIMEOUT:
		break;
	case FM_EXCEPTION:
		modbus_reply_exception(p->ctx, q,
		    MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
		break;
	case FM_DISCONNECT:
		rc = -1;
		break;
	default:
		if (d == ROLE_SCALE && is_write(fc) &&
		    (s->prof[ROLE_SCALE].p == NULL ||
		    profile_nwrites(s->prof[ROLE_SCALE].p) == 0)) {
			modbus_reply_exception(p->ctx, q,
			    MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
			break;
		}
		modbus_reply(p->ctx, q, len, l->map[d]);
		if (is_write(fc))
			simlane_written(s, l, d, now);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Some device behind this port is in a disconnect fault. */
static bool
port_refusing(struct sim *s, const struct sim_port *p)
{
	int64_t now = ts_mono_ms();
	int i, d, first = 0, last = s->nlanes - 1;
	bool r = false;

	if (s->o.port_per_lane)
		first = last = p->index;
	pthread_mutex_lock(&s->mu);
	for (i = first; i <= last && !r; i++)
		for (d = 0; d < ROLE_N; d++)
			if (s->lanes[i].fault[d].mode == FM_DISCONNECT &&
			    now < s->lanes[i].fault[d].until)
				r = true;
	pthread_mutex_unlock(&s->mu);
	return r;
}

static void
client_drop(struct sim_port *p, int i)
{
	close(p->clients[i]);
	p->clients[i] = p->clients[--p->nclients];
}

/* A new TCP client: kept, or closed at once while refusing or full. */
static void
client_accept(struct sim_port *p, bool refusing)
{
	int fd, one = 1;

	if ((fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	if (refusing || p->nclients == MAX_CLIENTS || fd >= FD_LIMIT) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->clients[p->nclients++] = fd;
}

/* A client is readable: one request. */
static void
client_read(struct sim_port *p, int i)
{
	uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
	int rc;

	modbus_set_socket(p->ctx, p->clients[i]);
	rc = modbus_receive(p->ctx, q);
	if (rc == -1 || (rc > 0 && handle(p, q, rc) == -1))
		client_drop(p, i);
}

/* The thread of one TCP port. */
static void *
tcp_thread(void *arg)
{
	struct sim_port *p = arg;
	struct timeval tv;
	fd_set rd;
	int i, maxfd;
	bool refusing;

	while (!p->sim->stop) {
		refusing = port_refusing(p->sim, p);
		while (refusing && p->nclients > 0)
			client_drop(p, 0);
		FD_ZERO(&rd);
		FD_SET(p->listen_fd, &rd);
		maxfd = p->listen_fd;
		for (i = 0; i < p->nclients; i++) {
			FD_SET(p->clients[i], &rd);
			if (p->clients[i] > maxfd)
				maxfd = p->clients[i];
		}
		tv.tv_sec = 0;
		tv.tv_usec = 20000;
		if (select(maxfd + 1, &rd, NULL, NULL, &tv) <= 0)
			continue;
		if (FD_ISSET(p->listen_fd, &rd))
			client_accept(p, refusing);
		for (i = p->nclients - 1; i >= 0; i--)
			if (FD_ISSET(p->clients[i], &rd))
				client_read(p, i);
	}
	return NULL;
}

/* Modbus RTU CRC-16 (poly 0xA001, init 0xFFFF). */
static uint16_t
crc16(const uint8_t *b, int n)
{
	uint16_t crc = 0xffff;
	int i, k;

	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) :
			    (uint16_t)(crc >> 1);
	}
	return crc;
}

/* Length of the RTU request in b (n bytes so far): 0 unknown yet, -1 unsupported. */
static int
rtu_frame_len(const uint8_t *b, int n)
{
	if (n < 2)
		return 0;
	switch (b[1]) {
	case 1: case 2: case 3: case 4: case 5: case 6:
		return 8;
	case 15: case 16:
		return n < 7 ? 0 : 9 + b[6];
	default:
		return -1;
	}
}

/* Serve every complete frame at the start of buf; returns bytes consumed. */
static int
rtu_frames(struct sim_port *p, uint8_t *buf, int n)
{
	int len, used = 0;
	uint16_t crc;

	while ((len = rtu_frame_len(buf + used, n - used)) != 0) {
		if (len < 0 || len > MODBUS_RTU_MAX_ADU_LENGTH)
			return n;	/* unknown: resynchronise */
		if (n - used < len)
			break;
		crc = crc16(buf + used, len - 2);
		if (buf[used + len - 2] != (crc & 0xff) ||
		    buf[used + len - 1] != (crc >> 8))
			return n;
		handle(p, buf + used, len);
		used += len;
	}
	return used;
}

/* The thread of the RTU bus. */
static void *
rtu_thread(void *arg)
{
	struct sim_port *p = arg;
	uint8_t buf[2 * MODBUS_RTU_MAX_ADU_LENGTH];
	int fd = modbus_get_socket(p->ctx), n = 0, used;
	int64_t last = 0;
	struct timeval tv;
	fd_set rd;
	ssize_t r;

	while (!p->sim->stop) {
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		tv.tv_sec = 0;
		tv.tv_usec = 20000;
		if (select(fd + 1, &rd, NULL, NULL, &tv) <= 0) {
			if (n > 0 && ts_mono_ms() - last > RTU_GAP_MS)
				n = 0;
			continue;
		}
		if ((r = read(fd, buf + n, sizeof(buf) - (size_t)n)) <= 0) {
			usleep(20000);
			continue;
		}
		n += (int)r;
		last = ts_mono_ms();
		used = rtu_frames(p, buf, n);
		memmove(buf, buf + used, (size_t)(n - used));
		n -= used;
		if (n == (int)sizeof(buf))
			n = 0;
	}
	return NULL;
}

/* Split HOST:PORT. */
static int
split_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char *c = strrchr(s, ':');
	char *end;
	long v;

	if (c == NULL || (size_t)(c - s) >= hostlen || c == s)
		return -1;
	memcpy(host, s, (size_t)(c - s));
	host[c - s] = '\0';
	v = strtol(c + 1, &end, 10);
	if (*end != '\0' || end == c + 1 || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* Listen on one TCP port; p->port gets the port the kernel chose for 0. */
static int
tcp_open(struct sim_port *p, const char *host, int port)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);

	if ((p->ctx = modbus_new_tcp(host, port)) == NULL ||
	    (p->listen_fd = modbus_tcp_listen(p->ctx, 16)) == -1) {
		log_warnx("listen %s:%d: %s", host, port,
		    modbus_strerror(errno));
		return -1;
	}
	if (getsockname(p->listen_fd, (struct sockaddr *)&sa, &salen) == -1) {
		log_warn("getsockname");
		return -1;
	}
	p->port = ntohs(sa.sin_port);
	return 0;
}

/* Open the RTU device. */
static int
rtu_open(struct sim *s, struct sim_port *p)
{
	if ((p->ctx = modbus_new_rtu(s->o.rtu, s->o.baud, 'N', 8, 1)) == NULL ||
	    modbus_connect(p->ctx) == -1) {
		log_warnx("rtu %s: %s", s->o.rtu, modbus_strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Open the listening sockets (or the serial device) and print the first
 * line of standard output: "listening HOST:PORT[ HOST:PORT…]" or
 * "listening rtu:DEVICE".
 */
int
server_open(struct sim *s)
{
	char host[256];
	int port, i;

	s->nports = s->o.port_per_lane ? s->nlanes : 1;
	for (i = 0; i < s->nports; i++) {
		s->ports[i].sim = s;
		s->ports[i].index = i;
		s->ports[i].listen_fd = -1;
	}
	if (s->o.rtu != NULL) {
		if (rtu_open(s, &s->ports[0]) == -1)
			return -1;
		printf("listening rtu:%s\n", s->o.rtu);
		return fflush(stdout);
	}
	if (split_hostport(s->o.listen, host, sizeof(host), &port) == -1) {
		log_warnx("--listen %s: not HOST:PORT", s->o.listen);
		return -1;
	}
	for (i = 0; i < s->nports; i++)
		if (tcp_open(&s->ports[i], host, port == 0 ? 0 : port + i) == -1)
			return -1;
	printf("listening");
	for (i = 0; i < s->nports; i++)
		printf(" %s:%d", host, s->ports[i].port);
	printf("\n");
	return fflush(stdout);
}

int
server_start(struct sim *s)
{
	int i;

	for (i = 0; i < s->nports; i++)
		if (pthread_create(&s->ports[i].thr, NULL,
		    s->o.rtu != NULL ? rtu_thread : tcp_thread,
		    &s->ports[i]) != 0) {
			log_warnx("pthread_create failed");
			return -1;
		} else
			s->ports[i].started = true;
	return 0;
}

/* Join the threads (s->stop is set) and close everything. */
void
server_stop(struct sim *s)
{
	struct sim_port *p;
	int i;

	for (i = 0; i < s->nports; i++) {
		p = &s->ports[i];
		if (p->started)
			pthread_join(p->thr, NULL);
		while (p->nclients > 0)
			client_drop(p, 0);
		if (p->listen_fd != -1)
			close(p->listen_fd);
		if (p->ctx != NULL) {
			if (s->o.rtu != NULL)
				modbus_close(p->ctx);
			modbus_free(p->ctx);
		}
	}
}
