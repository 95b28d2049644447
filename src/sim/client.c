/* weighgate-sim: a small Modbus TCP client for tests and commissioning. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/decode.h"
#include "weighgate/log.h"
#include "weighgate/record.h"

#include "sim.h"

#define OP_READ		10
#define OP_READ_COILS	11
#define OP_READ_INPUTS	12
#define OP_WRITE_COIL	13
#define OP_WRITE_REGS	14
#define OP_READ_SCALE	15

/* An integer argument in [min, max]; -1 when it is not one. */
static int
int_arg(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		log_warnx("%s: not an integer in %ld..%ld", s, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Connect to HOST:PORT (or rtu:DEVICE) and address unit; NULL after a message. */
static modbus_t *
client_connect(const char *hostport, int unit, int baud)
{
	char host[256];
	const char *c = strrchr(hostport, ':');
	modbus_t *ctx;
	int port;

	if (strncmp(hostport, "rtu:", 4) == 0)
		ctx = modbus_new_rtu(hostport + 4, baud, 'N', 8, 1);
	else if (c == NULL || c == hostport || (size_t)(c - hostport) >= sizeof(host) ||
	    int_arg(c + 1, 1, 65535, &port) == -1) {
		log_warnx("%s: not HOST:PORT", hostport);
		return NULL;
	} else {
		memcpy(host, hostport, (size_t)(c - hostport));
		host[c - hostport] = '\0';
		ctx = modbus_new_tcp_pi(host, c + 1);
	}
	if (ctx == NULL) {
		log_warnx("%s: %s", hostport, modbus_strerror(errno));
		return NULL;
	}
	modbus_set_slave(ctx, unit);
	modbus_set_response_timeout(ctx, 1, 0);
	if (modbus_connect(ctx) == -1) {
		log_warnx("connect %s: %s", hostport, modbus_strerror(errno));
		modbus_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Read count values of one kind and print them on one line. */
static int
do_read(modbus_t *ctx, int op, int addr, int count)
{
	uint16_t regs[MODBUS_MAX_READ_REGISTERS];
	uint8_t bits[MODBUS_MAX_READ_BITS];
	int i, n;

	if (op == OP_READ)
		n = modbus_read_registers(ctx, addr, count, regs);
	else if (op == OP_READ_COILS)
		n = modbus_read_bits(ctx, addr, count, bits);
	else
		n = modbus_read_input_bits(ctx, addr, count, bits);
	if (n == -1) {
		log_warnx("read: %s", modbus_strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		printf("%s%u", i ? " " : "", op == OP_READ ?
		    (unsigned)regs[i] : (unsigned)bits[i]);
	printf("\n");
	return 0;
}

/* Read the scale block and print it as the §8 measurement object. */
static int
do_read_scale(modbus_t *ctx, const struct sim_opts *o)
{
	uint16_t regs[SCALE_NREGS];
	struct measurement m;
	struct sbuf b;
	char err[128];

	if (modbus_read_registers(ctx, 0, SCALE_NREGS, regs) != SCALE_NREGS) {
		log_warnx("read: %s", modbus_strerror(errno));
		return -1;
	}
	meas_init(&m);
	if (decode_scale(regs, o->wo, o->plate_enc, &m, err, sizeof(err)) == -1)
		log_warnx("scale block: %s", err);
	m.seq = regs[1];
	sbuf_init(&b);
	record_measurement_json(&b, &m);
	printf("%.*s\n", (int)b.len, b.p);
	printf("status 0x%04x\n", (unsigned)regs[0]);
	sbuf_fini(&b);
	return 0;
}

/* Write registers from the arguments. */
static int
do_write_regs(modbus_t *ctx, int addr, int argc, char **argv)
{
	uint16_t regs[MODBUS_MAX_WRITE_REGISTERS];
	int i, v;

	if (argc < 1 || argc > MODBUS_MAX_WRITE_REGISTERS)
		return -1;
	for (i = 0; i < argc; i++) {
		if (int_arg(argv[i], 0, 65535, &v) == -1)
			return -1;
		regs[i] = (uint16_t)v;
	}
	if (modbus_write_registers(ctx, addr, argc, regs) == -1) {
		log_warnx("write: %s", modbus_strerror(errno));
		return -1;
	}
	return 0;
}

/* Run the operation named by op on the addresses in argv; exit status. */
static int
run_op(modbus_t *ctx, int op, int argc, char **argv, const struct sim_opts *o)
{
	int addr, v;

	if (op == OP_READ_SCALE)
		return do_read_scale(ctx, o);
	if (argc < 4 || int_arg(argv[2], 0, 65535, &addr) == -1)
		return -1;
	if (op == OP_WRITE_REGS)
		return do_write_regs(ctx, addr, argc - 3, argv + 3);
	if (argc != 4)
		return -1;
	if (op == OP_WRITE_COIL) {
		if (int_arg(argv[3], 0, 1, &v) == -1)
			return -1;
		if (modbus_write_bit(ctx, addr, v) == -1) {
			log_warnx("write: %s", modbus_strerror(errno));
			return -1;
		}
		return 0;
	}
	if (int_arg(argv[3], 1, op == OP_READ ? MODBUS_MAX_READ_REGISTERS :
	    MODBUS_MAX_READ_BITS, &v) == -1)
		return -1;
	return do_read(ctx, op, addr, v);
}

/* argv: HOST:PORT UNIT [ADDR COUNT | ADDR VALUE...]; returns the exit status. */
int
client_main(int op, int argc, char **argv, const struct sim_opts *o)
{
	modbus_t *ctx;
	int unit, rc;

	if (argc < 2 || int_arg(argv[1], 0, 255, &unit) == -1) {
		log_warnx("client: HOST:PORT UNIT ... expected");
		return 2;
	}
	if ((ctx = client_connect(argv[0], unit, o->baud)) == NULL)
		return 1;
	rc = run_op(ctx, op, argc, argv, o);
	modbus_close(ctx);
	modbus_free(ctx);
	return rc == 0 ? 0 : 1;
}
