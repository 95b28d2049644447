/* weighgate status / weighgate override: the running daemon's status server, from a terminal. */
/*
 *	weighgate status [-c CONFIG] [--json]
 *	weighgate override LANE --operator ID --reason TEXT [-c CONFIG]
 *
 * Both find the daemon's status server at CONFIG's [controller]
 * status_listen (default config /etc/weighgate/weighgate.conf) and talk
 * plain HTTP to it on this machine (a wildcard address is reached on
 * loopback).  status prints one line per lane and a sync line from
 * GET /v1/status; override reads the token of override_token_file and POSTs
 * to /v1/lanes/LANE/override, printing the event's uuid or the refusal.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "weighgate/cmd.h"
#include "weighgate/config.h"
#include "weighgate/sbuf.h"
#include "weighgate/status.h"

#define EXIT_REFUSED	1	/* the daemon answered with a refusal */
#define EXIT_USAGE	2
#define EXIT_NOINPUT	66	/* the token file cannot be read */
#define EXIT_UNAVAIL	69	/* no daemon answers */
#define EXIT_PROTOCOL	76	/* an answer that makes no sense */
#define DEFAULT_CONFIG	"/etc/weighgate/weighgate.conf"
#define TIMEOUT_MS	5000L

static const char *prog = "weighgate status";

#define swarn(...) cmd_warn(prog, __VA_ARGS__)

/* The base URL of the status server named in the configuration. */
static int
base_url(const struct config *cfg, char *out, size_t outlen)
{
	char host[160];
	unsigned short port;

	if (status_split_listen(cfg->controller.status_listen, host,
	    sizeof(host), &port) != 0)
		return -1;
	/* a daemon listening on every address is asked on loopback */
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	else if (strcmp(host, "::") == 0)
		snprintf(host, sizeof(host), "::1");
	snprintf(out, outlen, strchr(host, ':') != NULL ? "http://[%s]:%u" :
	    "http://%s:%u", host, (unsigned)port);
	return 0;
}

static int
load_config(const char *path, struct config *cfg)
{
	char err[1024];

	if (cfg_load(path, CFG_DAEMON, cfg, err, sizeof(err)) != 0) {
		swarn("%s", err);
		return CFG_EX_CONFIG;
	}
	if (cfg->controller.status_listen[0] == '\0') {
		swarn("%s: [controller] status_listen is empty: no status "
		    "server to ask", path);
		return CFG_EX_CONFIG;
	}
	return 0;
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	sbuf_putn(arg, p, size * n);
	return size * n;
}

/*
 * One request to the status server: body (POST when not NULL), the answer
 * in out, its status in *code.  Returns 0, or an exit status (logged).
 */
static int
request(const char *url, const char *auth, const char *body, struct sbuf *out,
    long *code)
{
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (c == NULL)
		return EXIT_UNAVAIL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (auth != NULL)
		h = curl_slist_append(h, auth);
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		swarn("no answer from the daemon's status server at %s: %s "
		    "(is weighgated running?)", url, curl_easy_strerror(rc));
		return EXIT_UNAVAIL;
	}
	sbuf_putc(out, '\0');
	out->len--;
	return 0;
}

/* ---- weighgate status ---- */

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double
jnum(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void
print_last(const cJSON *last)
{
	const char *plate = jstr(last, "plate");

	if (!cJSON_IsObject(last)) {
		printf("  last -");
		return;
	}
	printf("  last %s %d axles %.1f t", plate != NULL && *plate ? plate : "-",
	    (int)jnum(last, "axles", 0), jnum(last, "gross_kg", 0) / 1000.0);
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(last,
	    "legal_limit_kg")))
		printf(" limit %.1f t", jnum(last, "legal_limit_kg", 0) / 1000.0);
	printf(" %s", jstr(last, "decision") ? jstr(last, "decision") : "?");
	if (jstr(last, "reason") != NULL)
		printf(" (%s)", jstr(last, "reason"));
}

static void
print_devices(const cJSON *devs)
{
	const cJSON *d;
	int bad = 0;

	cJSON_ArrayForEach(d, devs) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "up")))
			continue;
		printf("%s%s DOWN", bad++ ? ", " : "  devices: ", d->string);
		if (jstr(d, "error") != NULL)
			printf(" (%s)", jstr(d, "error"));
	}
	if (bad == 0)
		printf("  devices ok");
}

static void
print_lane(const cJSON *l)
{
	const cJSON *led = cJSON_GetObjectItemCaseSensitive(l, "led");
	const cJSON *bar = cJSON_GetObjectItemCaseSensitive(l, "barrier");
	const char *pos = jstr(bar, "position");

	printf("%-5s %-8s barrier %-7s", jstr(l, "name") ? jstr(l, "name") : "?",
	    jstr(l, "state") ? jstr(l, "state") : "?", pos != NULL ? pos : "unknown");
	if (cJSON_IsObject(led))
		printf("  LED %s \"%s\"", jstr(led, "colour") ? jstr(led, "colour") :
		    "?", jstr(led, "text") ? jstr(led, "text") : "");
	print_last(cJSON_GetObjectItemCaseSensitive(l, "last"));
	print_devices(cJSON_GetObjectItemCaseSensitive(l, "devices"));
	putchar('\n');
}

static void
print_sync(const cJSON *root)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "sync");
	const cJSON *disk = cJSON_GetObjectItemCaseSensitive(root, "disk");
	const char *last = jstr(s, "last_success");

	printf("sync: %s, backlog %lld, last success %s%s%s", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(s, "enabled")) ? "on" : "off "
	    "(no platform url)", (long long)jnum(s, "backlog", 0),
	    last != NULL ? last : "never",
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "auth_alarm")) ?
	    ", ALARM: platform refuses our credentials" : "",
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "tls_alarm")) ?
	    ", ALARM: platform certificate not trusted" : "");
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(disk, "free_bytes")))
		printf("; disk free %.1f GB%s", jnum(disk, "free_bytes", 0) / 1e9,
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(disk, "low")) ?
		    " (LOW)" : "");
	putchar('\n');
}

/* A line only while the clock is in doubt (docs/lane.md "A clock in doubt"). */
static void
print_clock(const cJSON *root)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "clock");
	const cJSON *step = cJSON_GetObjectItemCaseSensitive(c, "step_ms");
	const cJSON *skew = cJSON_GetObjectItemCaseSensitive(c, "skew_ms");

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "doubt")))
		return;
	printf("clock: ALARM: IN DOUBT");
	if (cJSON_IsNumber(step))
		printf(", %+.0f ms off the trusted time", step->valuedouble);
	if (cJSON_IsNumber(skew))
		printf(", platform's Date %+.0f ms", skew->valuedouble);
	printf(": over-limit permit trucks are held for a manual check\n");
}

static int
show_status(const char *text)
{
	cJSON *root = cJSON_Parse(text), *lanes, *l;

	lanes = cJSON_GetObjectItemCaseSensitive(root, "lanes");
	if (!cJSON_IsArray(lanes)) {
		swarn("the status server's answer is not a status document");
		cJSON_Delete(root);
		return EXIT_PROTOCOL;
	}
	printf("controller %s, weighgate %s, %s\n", jstr(root, "controller") ?
	    jstr(root, "controller") : "?", jstr(root, "version") ?
	    jstr(root, "version") : "?", jstr(root, "time") ? jstr(root, "time") :
	    "");
	cJSON_ArrayForEach(l, lanes)
		print_lane(l);
	print_sync(root);
	print_clock(root);
	cJSON_Delete(root);
	return 0;
}

static void
status_usage(FILE *f)
{
	fprintf(f, "usage: weighgate status [-c CONFIG] [--json]\n");
}

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct config cfg;
	const char *path = DEFAULT_CONFIG;
	char url[256];
	struct sbuf b;
	bool json = false;
	long code = 0;
	int ch, rc;

	prog = "weighgate status";
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': path = optarg; break;
		case 'j': json = true; break;
		case 'h': status_usage(stdout); return 0;
		default: status_usage(stderr); return EXIT_USAGE;
		}
	if (optind != argc) {
		status_usage(stderr);
		return EXIT_USAGE;
	}
	if ((rc = load_config(path, &cfg)) != 0)
		return rc;
	if (base_url(&cfg, url, sizeof(url) - 16) != 0) {
		swarn("%s: bad status_listen", path);
		return CFG_EX_CONFIG;
	}
	strcat(url, "/v1/status");
	sbuf_init(&b);
	if ((rc = request(url, NULL, NULL, &b, &code)) == 0) {
		if (code != 200) {
			swarn("%s answered %ld", url, code);
			rc = EXIT_PROTOCOL;
		} else if (json)
			fputs(b.p, stdout);
		else
			rc = show_status(b.p);
	}
	sbuf_fini(&b);
	return rc;
}

/* ---- weighgate override ---- */

struct ovr_opts {
	struct cmd_who who;
	const char *lane;
};

static void
override_usage(FILE *f)
{
	fprintf(f, "usage: weighgate override LANE --operator ID --reason TEXT "
	    "[-c CONFIG]\n");
}

int
cmd_who_args(int argc, char **argv, bool reason, void (*usage)(FILE *),
    struct cmd_who *w)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },	/* first */
		{ "config", required_argument, NULL, 'c' },
		{ "operator", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(w, 0, sizeof(*w));
	w->config = DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "c:h",
	    reason ? longopts : longopts + 1, NULL)) != -1)
		switch (ch) {
		case 'c': w->config = optarg; break;
		case 'o': w->operator_id = optarg; break;
		case 'r': w->reason = optarg; break;
		case 'h': usage(stdout); return 1;
		default: return -1;
		}
	if (w->operator_id == NULL || *w->operator_id == '\0')
		return -1;
	return reason && (w->reason == NULL || *w->reason == '\0') ? -1 : 0;
}

static int
override_args(int argc, char **argv, struct ovr_opts *o)
{
	int rc = cmd_who_args(argc, argv, true, override_usage, &o->who);

	if (rc != 0)
		return rc;
	if (optind != argc - 1)
		return -1;
	o->lane = argv[optind];
	return 0;
}

/* The answer: the uuid on 200, the refusal and its status otherwise. */
static int
override_answer(long code, const char *text, const char *lane)
{
	cJSON *root = cJSON_Parse(text);
	const char *uuid = jstr(root, "uuid"), *err = jstr(root, "error");
	int rc = 0;

	if (code == 200 && uuid != NULL)
		printf("override of lane %s recorded: %s\n", lane, uuid);
	else if (code == 200) {
		swarn("the status server's answer has no uuid");
		rc = EXIT_PROTOCOL;
	} else {
		swarn("refused (%ld): %s", code, err != NULL ? err : "?");
		rc = EXIT_REFUSED;
	}
	cJSON_Delete(root);
	return rc;
}

int
cmd_override(int argc, char **argv)
{
	static struct config cfg;
	struct ovr_opts o;
	char url[256], token[512], auth[600];
	struct sbuf b, body;
	long code = 0;
	int rc;

	prog = "weighgate override";
	if ((rc = override_args(argc, argv, &o)) != 0) {
		if (rc < 0)
			override_usage(stderr);
		return rc < 0 ? EXIT_USAGE : 0;
	}
	if (strspn(o.lane, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != strlen(o.lane)) {
		swarn("bad lane name '%s'", o.lane);
		return EXIT_USAGE;
	}
	if ((rc = load_config(o.who.config, &cfg)) != 0)
		return rc;
	errno = 0;
	if (status_read_token(cfg.controller.override_token_file, token,
	    sizeof(token)) != 0) {
		swarn("cannot read the override token from %s: %s",
		    cfg.controller.override_token_file[0] ?
		    cfg.controller.override_token_file : "(override_token_file "
		    "not set)", errno ? strerror(errno) : "empty");
		return EXIT_NOINPUT;
	}
	if (base_url(&cfg, url, sizeof(url) - 64) != 0) {
		swarn("%s: bad status_listen", o.who.config);
		return CFG_EX_CONFIG;
	}
	snprintf(url + strlen(url), 64, "/v1/lanes/%s/override", o.lane);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	OPENSSL_cleanse(token, sizeof(token));
	sbuf_init(&body);
	sbuf_puts(&body, "{\"operator\":");
	sbuf_put_json_str(&body, o.who.operator_id);
	sbuf_puts(&body, ",\"reason\":");
	sbuf_put_json_str(&body, o.who.reason);
	sbuf_putc(&body, '}');
	sbuf_init(&b);
	if ((rc = request(url, auth, body.p, &b, &code)) == 0)
		rc = override_answer(code, b.p, o.lane);
	OPENSSL_cleanse(auth, sizeof(auth));
	sbuf_fini(&b);
	sbuf_fini(&body);
	return rc;
}

/* ---- for the other commands that talk to the status server ---- */

int
cmd_status_post(const char *progname, const char *config, const char *path,
    const char *body, struct sbuf *answer, long *code)
{
	static struct config cfg;
	char url[256];
	int rc;

	prog = progname;
	if ((rc = load_config(config, &cfg)) != 0)
		return rc;
	if (base_url(&cfg, url, sizeof(url) - 64) != 0) {
		swarn("%s: bad status_listen", config);
		return CFG_EX_CONFIG;
	}
	snprintf(url + strlen(url), 64, "%s", path);
	return request(url, NULL, body, answer, code);
}
