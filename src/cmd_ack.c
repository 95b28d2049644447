/*
 * weighgate ack: staff acknowledge the station board's alarms from the
 * controller's terminal.
 *
 *	weighgate ack --operator ID [-c CONFIG] [ALARM]
 *
 * POSTs {"operator": ID, "alarm": ALARM} to the daemon's status server on
 * this machine (POST /v1/alarms/ack, loopback only; docs/status.md); without
 * ALARM every unacknowledged alarm of the board is acknowledged.  The
 * daemon records an alarm_ack event before the board shows them
 * acknowledged.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "weighgate/cmd.h"
#include "weighgate/sbuf.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define EXIT_PROTOCOL	76
#define PROG		"weighgate ack"

struct ack_opts {
	struct cmd_who who;
	long long alarm;		/* 0: all */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: weighgate ack --operator ID [-c CONFIG] [ALARM]\n"
	    "  ALARM: the alarm's number on the board (#123); without it, "
	    "every\n  unacknowledged alarm\n");
}

/* ALARM: a positive number, "#" before it allowed. */
static int
parse_alarm(const char *s, long long *out)
{
	char *end;

	if (*s == '#')
		s++;
	if (*s < '1' || *s > '9')
		return -1;
	*out = strtoll(s, &end, 10);
	return *end == '\0' && *out > 0 && *out < (1LL << 53) ? 0 : -1;
}

static int
args(int argc, char **argv, struct ack_opts *o)
{
	int rc = cmd_who_args(argc, argv, false, usage, &o->who);

	o->alarm = 0;
	if (rc != 0)
		return rc;
	if (optind < argc - 1)
		return -1;
	if (optind == argc - 1 && parse_alarm(argv[optind], &o->alarm) != 0) {
		cmd_warn(PROG, "bad alarm number '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* The answer: how many were acknowledged, or the refusal. */
static int
answer(long code, const char *text)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "acknowledged");
	const cJSON *uuid = cJSON_GetObjectItemCaseSensitive(root, "uuid");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
	int rc = 0;

	if (code == 200 && cJSON_IsNumber(n) && n->valueint == 0)
		printf("no alarm waits for an acknowledgement\n");
	else if (code == 200 && cJSON_IsNumber(n) && cJSON_IsString(uuid))
		printf("%d alarm%s acknowledged: %s\n", n->valueint,
		    n->valueint == 1 ? "" : "s", uuid->valuestring);
	else if (code == 200) {
		cmd_warn(PROG, "the status server's answer makes no sense");
		rc = EXIT_PROTOCOL;
	} else {
		cmd_warn(PROG, "refused (%ld): %s", code, cJSON_IsString(err) ?
		    err->valuestring : "?");
		rc = EXIT_REFUSED;
	}
	cJSON_Delete(root);
	return rc;
}

int
cmd_ack(int argc, char **argv)
{
	struct ack_opts o;
	struct sbuf body, b;
	long code = 0;
	int rc;

	if ((rc = args(argc, argv, &o)) != 0) {
		if (rc < 0)
			usage(stderr);
		return rc < 0 ? EXIT_USAGE : 0;
	}
	sbuf_init(&body);
	sbuf_puts(&body, "{\"operator\":");
	sbuf_put_json_str(&body, o.who.operator_id);
	if (o.alarm > 0)
		sbuf_printf(&body, ",\"alarm\":%lld", o.alarm);
	sbuf_putc(&body, '}');
	sbuf_init(&b);
	if ((rc = cmd_status_post(PROG, o.who.config, "/v1/alarms/ack", body.p, &b,
	    &code)) == 0)
		rc = answer(code, b.p);
	sbuf_fini(&b);
	sbuf_fini(&body);
	return rc;
}
