/* The configuration file of docs/design.md §3, read by libinih into one struct config. */
/*
 * Every key is one row of keys[]: its section, name, type, range, default
 * and where its value goes; the code below only walks that table.  libinih
 * gives its handler no line number, so cfg_reader() feeds the file to
 * ini_parse_stream() one line at a time: it counts lines, refuses lines too
 * long for the buffer (libinih would cut them silently) and reads section
 * headers itself, so the handler only ever sees keys.  The first error ends
 * the parse and the whole file is rejected; *cfg changes only on success.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ctype.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "weighgate/iniline.h"
#include "weighgate/camera_listen.h"
#include "weighgate/chain.h"
#include "weighgate/config.h"
#include "weighgate/profile.h"
#include "weighgate/sbuf.h"

#define CFG_LINE_MAX	1000	/* bytes of one line, without its newline */
#define SCALE_NREGS	29	/* one scale read, docs/design.md §4.1 */
#define IO_NBITS	4	/* coils 0-3 (3: pulse lower), inputs 0-3 */
#define LED_HEADER	2	/* counter and colour before the text */

_Static_assert(sizeof(enum word_order) == sizeof(int), "enum size");
_Static_assert(sizeof(enum text_encoding) == sizeof(int), "enum size");
_Static_assert(sizeof(enum barrier_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum on_scale_fault) == sizeof(int), "enum size");
_Static_assert(sizeof(enum plate_source) == sizeof(int), "enum size");
_Static_assert(sizeof(bool) != sizeof(int), "bool and int told apart by size");

enum sect { S_NONE, S_CONTROLLER, S_RULES, S_LIMITS, S_PLATFORM, S_LANE, S_NSECT };

static const char *const sect_names[S_NSECT] = {
	"", "controller", "rules", "limits", "platform", "lane"
};

enum ktype {
	KT_INT,		/* int or int64_t (by size), min..max */
	KT_ENUM,	/* one of words[], stored as its index (int or bool) */
	KT_CLASS,	/* scale accuracy class, in hundredths */
	KT_PCT,		/* a percentage with at most two decimals, in hundredths */
	KT_STR,		/* a string, checked as check says */
	KT_DEV,		/* a device address */
	KT_TEXT,	/* an LED template */
	KT_N
};

enum kcheck { KC_NONE, KC_IDENT, KC_LISTEN, KC_URL, KC_PIN, KC_SECRET, KC_FILE,
	KC_NETS };

struct key {
	enum sect sect;
	const char *name;
	enum ktype type;
	int64_t min, max;
	const char *def;	/* as written in a file; NULL: none or rules_defaults() */
	size_t off;		/* in struct config, or in struct lane_cfg for S_LANE */
	size_t size;
	const char *const *words;
	enum kcheck check;
};

#define CF(m)	offsetof(struct config, m), sizeof(((struct config *)0)->m)
#define LF(m)	offsetof(struct lane_cfg, m), sizeof(((struct lane_cfg *)0)->m)
#define K_INT(s, n, lo, hi, d, f)	{ s, n, KT_INT, lo, hi, d, f, NULL, KC_NONE }
#define K_ENUM(s, n, w, d, f)	{ s, n, KT_ENUM, 0, 0, d, f, w, KC_NONE }
#define K_STR(s, n, c, d, f)	{ s, n, KT_STR, 0, 0, d, f, NULL, c }
#define K_TYPE(s, n, t, hi, d, f)	{ s, n, t, 0, hi, d, f, NULL, KC_NONE }

static const char *const w_word_order[] = { "ABCD", "CDAB", "BADC", "DCBA", NULL };
static const char *const w_encoding[] = { "GB18030", "UTF-8", NULL };
static const char *const w_barrier[] = { "level", "pulse", NULL };
static const char *const w_on_fault[] = { "closed", "open", NULL };
static const char *const w_off_on[] = { "off", "on", NULL };
static const char *const w_plate_source[] = { "scale", "camera", NULL };
/* enum camera_auth's order */
static const char *const w_camera_auth[] = { "any", "basic", "digest", NULL };

/* Every key of every section.  [rules] and [limits] take rules_defaults(). */
static const struct key keys[] = {
	K_STR(S_CONTROLLER, "id", KC_IDENT, NULL, CF(controller.id)),
	K_STR(S_CONTROLLER, "db", KC_NONE, NULL, CF(controller.db)),
	K_STR(S_CONTROLLER, "status_listen", KC_LISTEN, "127.0.0.1:8750",
	    CF(controller.status_listen)),
	K_STR(S_CONTROLLER, "override_token_file", KC_SECRET, NULL,
	    CF(controller.override_token_file)),
	K_INT(S_CONTROLLER, "status_max_connections", 1, 512, "128",
	    CF(controller.status_max_connections)),
	K_STR(S_CONTROLLER, "camera_listen", KC_LISTEN, NULL,
	    CF(controller.camera_listen)),
	K_INT(S_CONTROLLER, "camera_max_connections", 1, 512, "16",
	    CF(controller.camera_max_connections)),
	K_INT(S_CONTROLLER, "camera_timeout_s", 1, 60, "5",
	    CF(controller.camera_timeout_s)),
	K_STR(S_CONTROLLER, "camera_allow", KC_NETS, NULL,
	    CF(controller.camera_allow)),
	K_STR(S_CONTROLLER, "camera_user", KC_IDENT, NULL,
	    CF(controller.camera_user)),
	K_STR(S_CONTROLLER, "camera_password_file", KC_SECRET, NULL,
	    CF(controller.camera_password_file)),
	K_ENUM(S_CONTROLLER, "camera_auth", w_camera_auth, "any",
	    CF(controller.camera_auth)),
	K_INT(S_CONTROLLER, "camera_body_max_kb", 1, 16384, "2048",
	    CF(controller.camera_body_max_kb)),
	K_INT(S_CONTROLLER, "camera_part_max_kb", 1, 16384, "1024",
	    CF(controller.camera_part_max_kb)),
	K_INT(S_CONTROLLER, "camera_parts_max", 1, 64, "8",
	    CF(controller.camera_parts_max)),
	K_INT(S_CONTROLLER, "retention_days", 1, 3650, "90",
	    CF(controller.retention_days)),
	K_INT(S_CONTROLLER, "db_max_mb", 0, 1000000, "0",
	    CF(controller.db_max_mb)),
	K_INT(S_CONTROLLER, "disk_min_free_mb", 0, 100000, "200",
	    CF(controller.disk_min_free_mb)),
	K_STR(S_CONTROLLER, "profile_dir", KC_NONE, PROFILE_DIR_DEFAULT,
	    CF(controller.profile_dir)),

	K_TYPE(S_RULES, "scale_class", KT_CLASS, 0, NULL,
	    CF(rules.scale_class_x100)),
	K_TYPE(S_RULES, "tolerance_pct", KT_PCT, 2000, NULL,
	    CF(rules.tolerance_pct_x100)),
	K_INT(S_RULES, "tolerance_kg", 0, 5000, NULL, CF(rules.tolerance_kg)),
	K_INT(S_RULES, "max_speed_kmh", 1, 120, NULL, CF(rules.max_speed_kmh)),
	K_INT(S_RULES, "axle_sum_tolerance_pct", 0, 50, NULL,
	    CF(rules.axle_sum_tolerance_pct)),
	K_INT(S_RULES, "min_gross_kg", 0, 50000, NULL, CF(rules.min_gross_kg)),
	K_INT(S_RULES, "max_gross_kg", 10000, 300000, NULL,
	    CF(rules.max_gross_kg)),
	K_INT(S_RULES, "max_retries", 0, 10, NULL, CF(rules.max_retries)),
	K_ENUM(S_RULES, "on_scale_fault", w_on_fault, NULL,
	    CF(rules.on_scale_fault)),
	K_ENUM(S_RULES, "overrides", w_off_on, NULL, CF(rules.overrides)),

	K_INT(S_LIMITS, "2", 1000, 200000, NULL, CF(rules.limits[LIM_2])),
	K_INT(S_LIMITS, "3.rigid", 1000, 200000, NULL,
	    CF(rules.limits[LIM_3_RIGID])),
	K_INT(S_LIMITS, "3.combination", 1000, 200000, NULL,
	    CF(rules.limits[LIM_3_COMBINATION])),
	K_INT(S_LIMITS, "4.rigid", 1000, 200000, NULL,
	    CF(rules.limits[LIM_4_RIGID])),
	K_INT(S_LIMITS, "4.combination", 1000, 200000, NULL,
	    CF(rules.limits[LIM_4_COMBINATION])),
	K_INT(S_LIMITS, "5", 1000, 200000, NULL, CF(rules.limits[LIM_5])),
	K_INT(S_LIMITS, "6", 1000, 200000, NULL, CF(rules.limits[LIM_6])),
	K_INT(S_LIMITS, "6.single_drive", 1000, 200000, NULL,
	    CF(rules.limits[LIM_6_SINGLE_DRIVE])),

	K_STR(S_PLATFORM, "url", KC_URL, NULL, CF(platform.url)),
	K_STR(S_PLATFORM, "ca_file", KC_FILE, NULL, CF(platform.ca_file)),
	K_STR(S_PLATFORM, "cert_file", KC_FILE, NULL, CF(platform.cert_file)),
	K_STR(S_PLATFORM, "key_file", KC_SECRET, NULL, CF(platform.key_file)),
	K_STR(S_PLATFORM, "token_file", KC_SECRET, NULL,
	    CF(platform.token_file)),
	K_STR(S_PLATFORM, "pinned_pubkey", KC_PIN, NULL,
	    CF(platform.pinned_pubkey)),
	K_INT(S_PLATFORM, "batch_max", 1, 10000, "200", CF(platform.batch_max)),
	K_INT(S_PLATFORM, "batch_wait_ms", 0, 60000, "1000",
	    CF(platform.batch_wait_ms)),
	K_INT(S_PLATFORM, "list_poll_s", 1, 86400, "60",
	    CF(platform.list_poll_s)),
	K_INT(S_PLATFORM, "retry_min_ms", 10, 60000, "1000",
	    CF(platform.retry_min_ms)),
	K_INT(S_PLATFORM, "retry_max_ms", 100, 3600000, "300000",
	    CF(platform.retry_max_ms)),
	K_INT(S_PLATFORM, "request_timeout_s", 1, 3600, "120",
	    CF(platform.request_timeout_s)),

	K_TYPE(S_LANE, "scale", KT_DEV, 0, NULL, LF(dev[ROLE_SCALE].addr)),
	K_TYPE(S_LANE, "io", KT_DEV, 0, NULL, LF(dev[ROLE_IO].addr)),
	K_TYPE(S_LANE, "led", KT_DEV, 0, NULL, LF(dev[ROLE_LED].addr)),
	K_INT(S_LANE, "poll_ms", 5, 10000, "50", LF(poll_ms)),
	K_INT(S_LANE, "timeout_ms", 10, 10000, "300", LF(timeout_ms)),
	K_INT(S_LANE, "fault_after_ms", 50, 600000, "1000", LF(fault_after_ms)),
	K_INT(S_LANE, "pass_timeout_s", 1, 3600, "60", LF(pass_timeout_s)),
	K_INT(S_LANE, "barrier_timeout_ms", 100, 60000, "3000",
	    LF(barrier_timeout_ms)),
	K_INT(S_LANE, "min_result_interval_ms", 0, 60000, "1000",
	    LF(min_result_interval_ms)),
	K_INT(S_LANE, "reset_settle_ms", 0, 600000, "5000",
	    LF(reset_settle_ms)),
	K_STR(S_LANE, "scale_profile", KC_NONE, NULL, LF(profile[ROLE_SCALE])),
	K_STR(S_LANE, "io_profile", KC_NONE, NULL, LF(profile[ROLE_IO])),
	K_STR(S_LANE, "led_profile", KC_NONE, NULL, LF(profile[ROLE_LED])),
	K_INT(S_LANE, "scale_base", 0, 65535, "0", LF(scale_base)),
	K_ENUM(S_LANE, "word_order", w_word_order, "ABCD", LF(word_order)),
	K_ENUM(S_LANE, "plate_encoding", w_encoding, "GB18030",
	    LF(plate_encoding)),
	K_ENUM(S_LANE, "plate_source", w_plate_source, "scale",
	    LF(plate_source)),
	K_INT(S_LANE, "plate_before_ms", 0, 30000, "5000", LF(plate_before_ms)),
	K_INT(S_LANE, "plate_wait_ms", 0, 10000, "1500", LF(plate_wait_ms)),
	K_INT(S_LANE, "io_coil_base", 0, 65535, "0", LF(io_coil_base)),
	K_INT(S_LANE, "io_input_base", 0, 65535, "0", LF(io_input_base)),
	K_ENUM(S_LANE, "barrier_mode", w_barrier, "level", LF(barrier_mode)),
	K_STR(S_LANE, "camera_id", KC_NONE, NULL, LF(camera_id)),
	K_STR(S_LANE, "camera_channel", KC_IDENT, NULL, LF(camera_channel)),
	K_STR(S_LANE, "camera_source", KC_NETS, NULL, LF(camera_source)),
	K_INT(S_LANE, "camera_silent_ms", 1000, 3600000, "60000",
	    LF(camera_silent_ms)),
	K_INT(S_LANE, "led_base", 0, 65535, "0", LF(led_base)),
	K_INT(S_LANE, "led_registers", 1, 120, "32", LF(led_registers)),
	K_ENUM(S_LANE, "led_encoding", w_encoding, "GB18030", LF(led_encoding)),
	K_TYPE(S_LANE, "led_idle", KT_TEXT, 0,
	    "货车请减速 缓慢通过称重区", LF(led_text[LED_IDLE])),
	K_TYPE(S_LANE, "led_pass", KT_TEXT, 0,
	    "{plate} 总重{gross_t}吨 请通行", LF(led_text[LED_PASS])),
	K_TYPE(S_LANE, "led_turnback", KT_TEXT, 0,
	    "{plate} 超限{over_t}吨 禁止驶入 请驶离",
	    LF(led_text[LED_TURNBACK])),
	K_TYPE(S_LANE, "led_intercept", KT_TEXT, 0,
	    "{plate} 请靠边停车 接受检查", LF(led_text[LED_INTERCEPT])),
	K_TYPE(S_LANE, "led_retry", KT_TEXT, 0,
	    "称重无效 请倒车重新称重", LF(led_text[LED_RETRY])),
	K_TYPE(S_LANE, "led_hold", KT_TEXT, 0,
	    "请联系工作人员", LF(led_text[LED_HOLD])),
	K_TYPE(S_LANE, "led_fault", KT_TEXT, 0,
	    "称重设备故障 请走其他车道", LF(led_text[LED_FAULT])),
	K_TYPE(S_LANE, "led_weighing", KT_TEXT, 0,
	    "正在称重 请稍候", LF(led_text[LED_WEIGHING])),
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const led_msg_keys[LED_NMSG] = {
	"led_idle", "led_pass", "led_turnback", "led_intercept", "led_retry",
	"led_hold", "led_fault", "led_weighing"
};

static const char *const placeholders[] = {
	"plate", "gross_t", "limit_t", "over_t", "over_pct", "axles", NULL
};

/* The state of one parse, handed to the reader and the handler. */
struct parse {
	const char *path;
	enum cfg_mode mode;
	struct config *cfg;
	FILE *fp;
	char *buf;			/* getline()'s buffer */
	size_t bufsz;
	int line;			/* of the line being parsed */
	enum sect sect;			/* the section being parsed */
	char label[32];			/* "[rules]", "[lane L01]" */
	struct lane_cfg *lane;		/* when sect is S_LANE */
	int sect_line[S_NSECT];		/* header line of each single section */
	int key_line[NKEYS];		/* where a key was set (lane keys: this lane) */
	char *err;
	size_t errlen;
	int failed;
};

/* Record the first error as "FILE:LINE: message" (line 0: "FILE: message"). */
static int
fail(struct parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return -1;
	p->failed = 1;
	if (p->err == NULL || p->errlen == 0)
		return -1;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->path);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
why(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Say why a value is refused; returns -1 for the parsers' convenience. */
static int
why(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- values ----------------------------------------------------------- */

static void
put_int(const struct key *k, void *dst, int64_t v)
{
	int i = (int)v;
	bool b = v != 0;

	if (k->size == sizeof(int64_t))
		memcpy(dst, &v, sizeof(v));
	else if (k->size == sizeof(bool))
		memcpy(dst, &b, sizeof(b));
	else
		memcpy(dst, &i, sizeof(i));
}

static int64_t
get_int(const struct key *k, const void *src)
{
	int64_t v;
	int i;
	bool b;

	if (k->size == sizeof(int64_t)) {
		memcpy(&v, src, sizeof(v));
		return v;
	}
	if (k->size == sizeof(bool)) {
		memcpy(&b, src, sizeof(b));
		return b;
	}
	memcpy(&i, src, sizeof(i));
	return i;
}

/* A decimal integer, optionally negative, and nothing else. */
static int
parse_i64(const char *s, int64_t *out)
{
	size_t n, i;
	int neg = *s == '-';
	int64_t v = 0;

	s += neg;
	n = strspn(s, "0123456789");
	if (n == 0 || n > 18 || s[n] != '\0')
		return -1;
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	*out = neg ? -v : v;
	return 0;
}

/* A decimal with at most two decimals, in hundredths ("2.5" -> 250). */
static int
parse_x100(const char *s, int64_t *out, char *w, size_t wlen)
{
	size_t n = strspn(s, "0123456789"), m = 0;
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 9)
		return why(w, wlen, "not a number");
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	v *= 100;
	if (s[n] == '.') {
		m = strspn(s + n + 1, "0123456789");
		if (m == 0 || s[n + 1 + m] != '\0')
			return why(w, wlen, "not a number");
		if (m > 2)
			return why(w, wlen, "more than two decimals");
		v += (s[n + 1] - '0') * 10;
		if (m == 2)
			v += s[n + 2] - '0';
	} else if (s[n] != '\0')
		return why(w, wlen, "not a number");
	*out = v;
	return 0;
}

static int
kt_int_parse(const struct key *k, const char *s, void *dst, char *w,
    size_t wlen)
{
	int64_t v;

	if (parse_i64(s, &v) != 0)
		return why(w, wlen, "not an integer");
	if (v < k->min || v > k->max)
		return why(w, wlen, "out of range %" PRId64 "-%" PRId64,
		    k->min, k->max);
	put_int(k, dst, v);
	return 0;
}

static void
kt_int_format(const struct key *k, const void *src, struct sbuf *b)
{
	sbuf_put_i64(b, get_int(k, src));
}

static int
kt_enum_parse(const struct key *k, const char *s, void *dst, char *w,
    size_t wlen)
{
	struct sbuf b;
	int i;

	for (i = 0; k->words[i] != NULL; i++) {
		if (strcasecmp(s, k->words[i]) == 0) {
			put_int(k, dst, i);
			return 0;
		}
	}
	sbuf_init(&b);
	for (i = 0; k->words[i] != NULL; i++)
		sbuf_printf(&b, "%s%s", i ? (k->words[i + 1] ? ", " : " or ")
		    : "", k->words[i]);
	why(w, wlen, "must be %s", b.p);
	sbuf_fini(&b);
	return -1;
}

static void
kt_enum_format(const struct key *k, const void *src, struct sbuf *b)
{
	int64_t v = get_int(k, src), i;

	for (i = 0; k->words[i] != NULL; i++)
		if (i == v) {
			sbuf_puts(b, k->words[i]);
			return;
		}
	sbuf_put_i64(b, v);
}

static int
kt_class_parse(const struct key *k, const char *s, void *dst, char *w,
    size_t wlen)
{
	static const int classes[] = { 20, 50, 100, 200, 500, 1000 };
	int64_t v;
	size_t i;

	if (parse_x100(s, &v, w, wlen) != 0)
		return -1;
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (classes[i] == v) {
			put_int(k, dst, v);
			return 0;
		}
	}
	return why(w, wlen, "must be one of 0.2 0.5 1 2 5 10");
}

static int
kt_pct_parse(const struct key *k, const char *s, void *dst, char *w,
    size_t wlen)
{
	int64_t v;

	if (parse_x100(s, &v, w, wlen) != 0)
		return -1;
	if (v > k->max)
		return why(w, wlen, "out of range 0-%" PRId64 " (at most two "
		    "decimals)", k->max / 100);
	put_int(k, dst, v);
	return 0;
}

/* Hundredths as a decimal; a negative value means "not set". */
static void
kt_x100_format(const struct key *k, const void *src, struct sbuf *b)
{
	int64_t v = get_int(k, src);

	if (v < 0)
		sbuf_puts(b, "unset");
	else
		sbuf_put_fixed(b, v, 2);
}

/* HOST:PORT to listen on: IPv4 literal, [IPv6] literal or name; port 1-65535. */
static int
check_listen(const char *s, char *w, size_t wlen)
{
	const char *colon = strrchr(s, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - s) : 0;
	int64_t port;

	if (colon == NULL || hlen == 0)
		return why(w, wlen, "expected HOST:PORT");
	if (parse_i64(colon + 1, &port) != 0 || port < 1 || port > 65535)
		return why(w, wlen, "port out of range 1-65535");
	if (s[0] == '[') {
		if (s[hlen - 1] != ']' || hlen < 3 || strspn(s + 1,
		    "0123456789abcdefABCDEF:.") != hlen - 2)
			return why(w, wlen, "bad IPv6 address");
		return 0;
	}
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != hlen)
		return why(w, wlen, "bad host");
	return 0;
}

/* The platform's base URL: https only (TLS is always on, docs/design.md §7). */
static int
check_url(const char *s, char *w, size_t wlen)
{
	if (strncmp(s, "https://", 8) != 0)
		return why(w, wlen, "must begin with https://");
	if (s[8] == '\0' || s[8] == '/')
		return why(w, wlen, "no host");
	if (strpbrk(s, " ?#") != NULL)
		return why(w, wlen, "must be a base URL without spaces, "
		    "query or fragment");
	return 0;
}

/* sha256//BASE64[;sha256//BASE64...], each hash 44 base64 characters. */
static int
check_pin(const char *s, char *w, size_t wlen)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n;

	for (;;) {
		if (strncmp(s, "sha256//", 8) != 0)
			return why(w, wlen, "expected sha256//BASE64[;sha256//BASE64]");
		s += 8;
		n = strspn(s, b64);
		if (n != 43 || s[43] != '=')
			return why(w, wlen, "a sha256// pin is 44 base64 characters");
		s += 44;
		if (*s == '\0')
			return 0;
		if (*s++ != ';')
			return why(w, wlen, "pins are separated by ';'");
	}
}

static int
check_ident(const char *s, char *w, size_t wlen)
{
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != strlen(s))
		return why(w, wlen, "only letters, digits, '.', '_' and '-'");
	return 0;
}

static int
kt_str_parse(const struct key *k, const char *s, void *dst, char *w,
    size_t wlen)
{
	size_t n = strlen(s);
	int rc = 0;

	if (n >= k->size)
		return why(w, wlen, "too long (at most %zu bytes)", k->size - 1);
	switch (k->check) {
	case KC_IDENT:
		rc = check_ident(s, w, wlen);
		break;
	case KC_LISTEN:
		rc = check_listen(s, w, wlen);
		break;
	case KC_URL:
		rc = check_url(s, w, wlen);
		while (n > 8 && s[n - 1] == '/')
			n--;
		break;
	case KC_PIN:
		rc = check_pin(s, w, wlen);
		break;
	case KC_NETS:
		rc = camera_nets_parse(s, NULL, w, wlen);
		break;
	default:
		break;
	}
	if (rc != 0)
		return -1;
	memcpy(dst, s, n);
	((char *)dst)[n] = '\0';
	return 0;
}

static void
kt_str_format(const struct key *k, const void *src, struct sbuf *b)
{
	(void)k;
	sbuf_puts(b, src);
}

static int
kt_dev_parse(const struct key *k, const char *s, void *dst, char *w,
    size_t wlen)
{
	(void)k;
	return devaddr_parse(s, dst, w, wlen);
}

static void
kt_dev_format(const struct key *k, const void *src, struct sbuf *b)
{
	char text[600];

	(void)k;
	devaddr_format(src, text, sizeof(text));
	sbuf_puts(b, text);
}

/* An LED template: only the placeholders of docs/design.md §4.3, braces balanced. */
static int
check_template(const char *s, char *w, size_t wlen)
{
	const char *end;
	size_t n;
	int i;

	for (; *s != '\0'; s++) {
		if (*s == '}')
			return why(w, wlen, "unbalanced brace '}'");
		if (*s != '{')
			continue;
		end = strpbrk(s + 1, "{}");
		if (end == NULL || *end == '{')
			return why(w, wlen, "unbalanced brace '{'");
		n = (size_t)(end - s - 1);
		for (i = 0; placeholders[i] != NULL; i++)
			if (strlen(placeholders[i]) == n &&
			    strncmp(placeholders[i], s + 1, n) == 0)
				break;
		if (placeholders[i] == NULL)
			return why(w, wlen, "unknown placeholder {%.*s} (known: "
			    "{plate} {gross_t} {limit_t} {over_t} {over_pct} "
			    "{axles})", (int)n, s + 1);
		s = end;
	}
	return 0;
}

static int
kt_text_parse(const struct key *k, const char *s, void *dst, char *w,
    size_t wlen)
{
	if (check_template(s, w, wlen) != 0)
		return -1;
	return kt_str_parse(k, s, dst, w, wlen);
}

static const struct {
	int (*parse)(const struct key *, const char *, void *, char *, size_t);
	void (*format)(const struct key *, const void *, struct sbuf *);
} kt_ops[KT_N] = {
	[KT_INT] = { kt_int_parse, kt_int_format },
	[KT_ENUM] = { kt_enum_parse, kt_enum_format },
	[KT_CLASS] = { kt_class_parse, kt_x100_format },
	[KT_PCT] = { kt_pct_parse, kt_x100_format },
	[KT_STR] = { kt_str_parse, kt_str_format },
	[KT_DEV] = { kt_dev_parse, kt_dev_format },
	[KT_TEXT] = { kt_text_parse, kt_str_format },
};

/* Length of the valid UTF-8 sequence at s, 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff))
	    || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/* Valid UTF-8 without control characters. */
static int
check_chars(const char *s, char *w, size_t wlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	while (*u != '\0') {
		if (*u < 0x20 || *u == 0x7f)
			return why(w, wlen, "control character in value");
		if ((n = utf8_len(u)) == 0)
			return why(w, wlen, "not valid UTF-8");
		u += n;
	}
	return 0;
}

/* --- defaults --------------------------------------------------------- */

static void *
key_dst(const struct key *k, struct config *cfg, struct lane_cfg *lane)
{
	return (char *)(k->sect == S_LANE ? (void *)lane : (void *)cfg) + k->off;
}

/* Apply the table's defaults of one section kind (S_LANE: to lane). */
static void
apply_defaults(enum sect s, struct config *cfg, struct lane_cfg *lane)
{
	char w[256];
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if ((s == S_LANE) == (keys[i].sect == S_LANE) &&
		    keys[i].def != NULL)
			(void)kt_ops[keys[i].type].parse(&keys[i], keys[i].def,
			    key_dst(&keys[i], cfg, lane), w, sizeof(w));
}

void
cfg_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	rules_defaults(&cfg->rules);
	apply_defaults(S_CONTROLLER, cfg, NULL);
}

const char *
cfg_led_msg_key(enum led_msg m)
{
	if ((int)m < 0 || m >= LED_NMSG)
		return "led_?";
	return led_msg_keys[m];
}

const char *const cfg_role_names[ROLE_N] = {
	[ROLE_SCALE] = "scale", [ROLE_IO] = "io", [ROLE_LED] = "led",
	[ROLE_BARRIER] = "barrier", [ROLE_CAMERA] = "camera"
};

const char *
cfg_role_name(enum dev_role r)
{
	return (unsigned)r < ROLE_N ? cfg_role_names[r] : "?";
}

/* --- sections --------------------------------------------------------- */

static int
key_find(enum sect s, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == s && strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The later of the lines where two keys were set, or dflt if neither was. */
static int
later_line(const struct parse *p, enum sect s, const char *a, const char *b,
    int dflt)
{
	int la = p->key_line[key_find(s, a)], lb = p->key_line[key_find(s, b)];
	int l = la > lb ? la : lb;

	return l > 0 ? l : dflt;
}

static int
rules_check(struct parse *p)
{
	const struct rules *r = &p->cfg->rules;

	if (r->min_gross_kg >= r->max_gross_kg)
		return fail(p, later_line(p, S_RULES, "min_gross_kg",
		    "max_gross_kg", p->sect_line[S_RULES]), "[rules] "
		    "min_gross_kg %d must be below max_gross_kg %d",
		    r->min_gross_kg, r->max_gross_kg);
	return 0;
}

static int
platform_check(struct parse *p)
{
	const struct config *c = p->cfg;

	if (c->platform.retry_min_ms > c->platform.retry_max_ms)
		return fail(p, later_line(p, S_PLATFORM, "retry_min_ms",
		    "retry_max_ms", p->sect_line[S_PLATFORM]), "[platform] "
		    "retry_min_ms %d must not exceed retry_max_ms %d",
		    c->platform.retry_min_ms, c->platform.retry_max_ms);
	return 0;
}

static const char *const profile_keys[ROLE_NMODBUS] = {
	"scale_profile", "io_profile", "led_profile"
};

/* A block of n registers from base must end at 65535 at the latest. */
static int
span_check(struct parse *p, const char *key, int base, int n)
{
	int line = p->key_line[key_find(S_LANE, key)];

	if ((long)base + n <= 65536)
		return 0;
	return fail(p, line > 0 ? line : p->lane->line, "%s %s = %d: its %d "
	    "registers run past address 65535", p->label, key, base, n);
}

/* Checks across the keys of a finished [lane NAME] section. */
static int
lane_check(struct parse *p)
{
	struct lane_cfg *l = p->lane;
	int r;

	for (r = 0; r < ROLE_NMODBUS; r++)
		l->profile_line[r] = p->key_line[key_find(S_LANE,
		    profile_keys[r])];

	if (l->fault_after_ms < 2 * l->timeout_ms)
		return fail(p, l->line, "%s fault_after_ms %d must be at least "
		    "2 x timeout_ms (%d)", p->label, l->fault_after_ms,
		    2 * l->timeout_ms);
	if (span_check(p, "scale_base", l->scale_base, SCALE_NREGS) != 0 ||
	    span_check(p, "io_coil_base", l->io_coil_base, IO_NBITS) != 0 ||
	    span_check(p, "io_input_base", l->io_input_base, IO_NBITS) != 0 ||
	    span_check(p, "led_base", l->led_base,
	    LED_HEADER + l->led_registers) != 0)
		return -1;
	return 0;
}

/* The section in hand is complete: run the checks across its keys. */
static int
section_end(struct parse *p)
{
	int rc = 0;

	switch (p->sect) {
	case S_RULES:
		rc = rules_check(p);
		break;
	case S_PLATFORM:
		rc = platform_check(p);
		break;
	case S_LANE:
		rc = lane_check(p);
		break;
	default:
		break;
	}
	p->sect = S_NONE;
	return rc;
}

static int
lane_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 15 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static int
lane_begin(struct parse *p, const char *name)
{
	struct config *c = p->cfg;
	struct lane_cfg *l;
	size_t i;
	int n;

	if (!lane_name_ok(name))
		return fail(p, p->line, "[lane %s]: bad lane name (1-15 "
		    "letters, digits, '_' or '-')", name);
	for (n = 0; n < c->n_lanes; n++)
		if (strcasecmp(c->lanes[n].name, name) == 0)
			return fail(p, p->line, "[lane %s]: duplicate lane "
			    "(first at line %d)", name, c->lanes[n].line);
	if (c->n_lanes == CFG_MAX_LANES)
		return fail(p, p->line, "[lane %s]: more than %d lanes", name,
		    CFG_MAX_LANES);
	l = &c->lanes[c->n_lanes++];
	apply_defaults(S_LANE, c, l);
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->line = p->line;
	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == S_LANE)
			p->key_line[i] = 0;
	p->lane = l;
	p->sect = S_LANE;
	snprintf(p->label, sizeof(p->label), "[lane %s]", l->name);
	return 0;
}

/* A "[name]" header: name is the text between the brackets. */
static int
section_begin(struct parse *p, const char *name, size_t len)
{
	char nm[CFG_LINE_MAX + 1];
	int s;

	if (section_end(p) != 0)
		return -1;
	memcpy(nm, name, len);
	nm[len] = '\0';
	if (strncmp(nm, "lane ", 5) == 0 || strcmp(nm, "lane") == 0)
		return lane_begin(p, nm + (nm[4] == ' ' ? 5 : 4));
	for (s = S_CONTROLLER; s < S_LANE; s++)
		if (strcmp(nm, sect_names[s]) == 0)
			break;
	if (s == S_LANE)
		return fail(p, p->line, "[%s]: unknown section (expected "
		    "controller, rules, limits, platform or lane NAME)", nm);
	if (p->sect_line[s] != 0)
		return fail(p, p->line, "[%s]: duplicate section (first at "
		    "line %d)", nm, p->sect_line[s]);
	p->sect = (enum sect)s;
	p->sect_line[s] = p->line;
	snprintf(p->label, sizeof(p->label), "[%s]", sect_names[s]);
	return 0;
}

/* --- lines ------------------------------------------------------------ */

static int
section_header(struct parse *p, const char *s)
{
	const char *end = strchr(s, ']'), *rest;

	if (end == NULL)
		return fail(p, p->line, "section header without ']'");
	rest = end + 1 + strspn(end + 1, " \t");
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		return fail(p, p->line, "text after the section header");
	return section_begin(p, s + 1, (size_t)(end - s - 1));
}

/* The first n bytes of a line are UTF-8 without control characters but tab. */
static int
line_chars(struct parse *p, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, c;

	while (i < n) {
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return fail(p, p->line, "control character in line");
		if ((c = utf8_len(u + i)) == 0)
			return fail(p, p->line, "line not valid UTF-8");
		i += c;
	}
	return 0;
}

/*
 * Look at a line before libinih does: section headers are read here; key
 * lines must have '=' and a clean key name (values are checked per key).
 */
static int
scan_line(struct parse *p, const char *s)
{
	size_t i;

	s += strspn(s, " \t\v\f");
	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	if (*s == '[') {
		if (line_chars(p, s, strlen(s)) != 0)
			return -1;
		return section_header(p, s);
	}
	i = strcspn(s, "=:");
	if (line_chars(p, s, i) != 0)
		return -1;
	if (s[i] != '=')
		return fail(p, p->line, "expected [section] or key = value");
	if (i == 0)
		return fail(p, p->line, "key name missing before '='");
	return 0;
}

/*
 * libinih's reader: one line per call (multi-line values are off), counted,
 * and refused when longer than CFG_LINE_MAX or holding a NUL byte.
 * Returns NULL at the end of the file or on the first error.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	struct iniline r = { p->fp, p->buf, p->bufsz, p->line };
	const char *s;
	char msg[128];
	int rc;

	if (p->failed)
		return NULL;
	rc = iniline_read(&r, str, num, CFG_LINE_MAX, &s, msg, sizeof(msg));
	p->buf = r.buf;
	p->bufsz = r.bufsz;
	p->line = r.line;
	if (rc < 0)
		fail(p, ferror(p->fp) ? 0 : p->line, "%s", msg);
	if (rc <= 0 || scan_line(p, s) != 0)
		return NULL;
	return str;
}

/* A token or private key file must not be readable by group or others. */
static int
secret_check(struct parse *p, const struct key *k, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return fail(p, p->line, "%s %s %s: %s", p->label, k->name,
		    path, strerror(errno));
	}
	if (st.st_mode & (S_IRGRP | S_IROTH))
		return fail(p, p->line, "%s %s %s: readable by group or others "
		    "(mode %04o); chmod 600", p->label, k->name, path,
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

/* A value as an error message shows it: at most 80 bytes, whole characters. */
static const char *
shown(const char *v, char *buf, size_t len)
{
	size_t n = strlen(v), cut = 0, c;

	if (n <= 80)
		return v;
	while (cut < 80 && (c = utf8_len((const unsigned char *)v + cut)) > 0)
		cut += c;
	snprintf(buf, len, "%.*s...", (int)cut, v);
	return buf;
}

static int
set_value(struct parse *p, const struct key *k, const char *v)
{
	void *dst = key_dst(k, p->cfg, p->lane);
	char w[512], sv[96];

	/* libinih keeps "; comment" when it is all there is after '=' */
	if (*v == '\0' || *v == ';')
		return fail(p, p->line, "%s %s: empty value", p->label, k->name);
	if (check_chars(v, w, sizeof(w)) != 0)
		return fail(p, p->line, "%s %s: %s", p->label, k->name, w);
	if (*v == '"' || *v == '\'')
		return fail(p, p->line, "%s %s = %s: values are written without "
		    "quotes", p->label, k->name, shown(v, sv, sizeof(sv)));
	if (kt_ops[k->type].parse(k, v, dst, w, sizeof(w)) != 0)
		return fail(p, p->line, "%s %s = %s: %s", p->label, k->name,
		    shown(v, sv, sizeof(sv)), w);
	if (k->check == KC_SECRET)
		return secret_check(p, k, v);
	return 0;
}

/* --- help on an unknown key ------------------------------------------ */

/*
 * The edit distance of a and b (insertions, deletions, substitutions and
 * swaps of two neighbours each cost 1), at most KEY_NAME_MAX bytes each.
 */
#define KEY_NAME_MAX	40

static int
edit_distance(const char *a, const char *b)
{
	int d[KEY_NAME_MAX + 1][KEY_NAME_MAX + 1];
	int m = (int)strlen(a), n = (int)strlen(b), i, j, c, v;

	if (m > KEY_NAME_MAX || n > KEY_NAME_MAX)
		return KEY_NAME_MAX;
	for (i = 0; i <= m; i++)
		d[i][0] = i;
	for (j = 0; j <= n; j++)
		d[0][j] = j;
	for (i = 1; i <= m; i++)
		for (j = 1; j <= n; j++) {
			c = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[m][n];
}

/* The one key of section s that name begins (max_speed: max_speed_kmh). */
static const char *
key_by_prefix(enum sect s, const char *name)
{
	const char *found = NULL;
	size_t i, n = strlen(name);

	if (n < 4)
		return NULL;
	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == s && strncmp(keys[i].name, name, n) == 0) {
			if (found != NULL)
				return NULL;
			found = keys[i].name;
		}
	return found;
}

/* The key of section s nearest to name, if near enough to be a typo. */
static const char *
key_nearest(enum sect s, const char *name)
{
	const char *best = NULL;
	int bd = KEY_NAME_MAX, d, limit = (int)strlen(name) / 4;
	size_t i;

	if (limit < 2)
		limit = 2;
	for (i = 0; i < NKEYS; i++)
		if (keys[i].sect == s &&
		    (d = edit_distance(name, keys[i].name)) < bd) {
			bd = d;
			best = keys[i].name;
		}
	if (best != NULL && bd <= limit && bd < (int)strlen(best))
		return best;
	return key_by_prefix(s, name);
}

/*
 * What to add to "unknown key": the nearest key of this section ("; did
 * you mean max_retries?"), or the section a known key belongs in.
 */
static const char *
key_hint(enum sect s, const char *name, char *buf, size_t len)
{
	const char *near = key_nearest(s, name);
	enum sect o;

	if (near != NULL) {
		snprintf(buf, len, "; did you mean %s?", near);
		return buf;
	}
	for (o = S_CONTROLLER; o < S_NSECT; o++)
		if (o != s && key_find(o, name) >= 0) {
			snprintf(buf, len, "; %s belongs in [%s%s]", name,
			    sect_names[o], o == S_LANE ? " NAME" : "");
			return buf;
		}
	return "";
}

/* libinih's handler: one key = value of the current section. */
static int
cfg_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *p = user;
	int k;

	(void)section;		/* cfg_reader() tracks sections itself */
	if (p->failed)
		return 0;
	if (p->sect == S_NONE)
		fail(p, p->line, "%s: key outside any section", name);
	else if ((k = key_find(p->sect, name)) < 0) {
		char hint[96];

		fail(p, p->line, "%s %s: unknown key%s", p->label, name,
		    key_hint(p->sect, name, hint, sizeof(hint)));
	}
	else if (p->key_line[k] != 0)
		fail(p, p->line, "%s %s: duplicate key (first at line %d)",
		    p->label, name, p->key_line[k]);
	else {
		p->key_line[k] = p->line;
		(void)set_value(p, &keys[k], value);
	}
	return !p->failed;
}

/* --- the whole file --------------------------------------------------- */

/* Two devices on one link must differ in unit id and agree on the bus. */
static int
dev_pair_check(struct parse *p, const struct lane_cfg *la, int ra,
    const struct lane_cfg *lb, int rb)
{
	const struct devaddr *a = &la->dev[ra].addr, *b = &lb->dev[rb].addr;

	if (!devaddr_same_link(a, b))
		return 0;
	if (a->unit == b->unit)
		return fail(p, lb->line, "[lane %s] %s: same device and unit "
		    "as [lane %s] %s", lb->name, cfg_role_names[rb], la->name,
		    cfg_role_names[ra]);
	if (a->type == DEV_RTU && (a->baud != b->baud ||
	    a->parity != b->parity || a->data_bits != b->data_bits ||
	    a->stop_bits != b->stop_bits))
		return fail(p, lb->line, "[lane %s] %s: serial settings differ "
		    "from [lane %s] %s on the same bus %s", lb->name,
		    cfg_role_names[rb], la->name, cfg_role_names[ra], a->device);
	return 0;
}

/* Every lane has its three devices, and no two devices collide. */
static int
devices_check(struct parse *p)
{
	const struct config *c = p->cfg;
	int i, j, ri, rj;

	for (i = 0; i < c->n_lanes; i++)
		for (ri = 0; ri < ROLE_NMODBUS; ri++)
			if (c->lanes[i].dev[ri].addr.type == DEV_NONE)
				return fail(p, c->lanes[i].line, "[lane %s] "
				    "%s: required", c->lanes[i].name,
				    cfg_role_names[ri]);
	for (i = 0; i < c->n_lanes; i++)
		for (ri = 0; ri < ROLE_NMODBUS; ri++)
			for (j = i; j < c->n_lanes; j++)
				for (rj = j == i ? ri + 1 : 0;
				    rj < ROLE_NMODBUS; rj++)
					if (dev_pair_check(p, &c->lanes[i], ri,
					    &c->lanes[j], rj) != 0)
						return -1;
	return 0;
}

/*
 * Every lane's device profiles load and fit the lane's addresses (a
 * profile's own error is "PROFILE:LINE: message"; the lane and key that
 * name it follow).
 */
static int
profiles_check(struct parse *p)
{
	const struct config *c = p->cfg;
	char perr[768];
	profile_t *pr;
	bool in_file;
	int i, r, line;

	for (i = 0; i < c->n_lanes; i++)
		for (r = 0; r < ROLE_NMODBUS; r++) {
			const struct lane_cfg *l = &c->lanes[i];

			pr = profile_for_lane(c->controller.profile_dir, l,
			    (enum dev_role)r, &in_file, perr, sizeof(perr));
			if (pr != NULL) {
				profile_free(pr);
				continue;
			}
			line = l->profile_line[r] > 0 ? l->profile_line[r] :
			    l->line;
			if (!in_file)
				return fail(p, line, "[lane %s] %s: %s", l->name,
				    l->profile[r][0] != '\0' ? profile_keys[r] :
				    cfg_role_names[r], perr);
			if (p->failed || p->err == NULL || p->errlen == 0)
				return -1;
			p->failed = 1;
			snprintf(p->err, p->errlen, "%s (%s of [lane %s], %s:%d)",
			    perr, profile_keys[r], l->name, p->path, line);
			return -1;
		}
	return 0;
}

/* overrides = on needs an override token file that exists (daemon only). */
static int
override_check(struct parse *p)
{
	const char *f = p->cfg->controller.override_token_file;
	int kl = p->key_line[key_find(S_CONTROLLER, "override_token_file")];
	struct stat st;

	if (!p->cfg->rules.overrides)
		return 0;
	if (*f == '\0')
		return fail(p, p->key_line[key_find(S_RULES, "overrides")],
		    "[rules] overrides = on needs [controller] "
		    "override_token_file");
	if (stat(f, &st) != 0)
		return fail(p, kl, "[controller] override_token_file %s: %s",
		    f, strerror(errno));
	return 0;
}

/*
 * One file a key names, for --check: it exists, is a regular file the
 * daemon can read, is not writable by others, and a key or token file is
 * not readable by group or others.
 */
static int
named_file_check(struct parse *p, const struct key *k, const char *path)
{
	int line = p->key_line[k - keys];
	struct stat st;

	if (stat(path, &st) != 0 || access(path, R_OK) != 0)
		return fail(p, line, "[%s] %s %s: %s", sect_names[k->sect],
		    k->name, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(p, line, "[%s] %s %s: not a regular file",
		    sect_names[k->sect], k->name, path);
	if (st.st_mode & S_IWOTH)
		return fail(p, line, "[%s] %s %s: writable by others (mode "
		    "%04o); chmod o-w", sect_names[k->sect], k->name, path,
		    (unsigned)(st.st_mode & 07777));
	if (k->check == KC_SECRET && (st.st_mode & (S_IRGRP | S_IROTH)))
		return fail(p, line, "[%s] %s %s: readable by group or others "
		    "(mode %04o); chmod 600", sect_names[k->sect], k->name,
		    path, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* --check: every file the configuration names (CA, certificate, key, tokens). */
static int
files_check(struct parse *p)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const char *v;

		if ((k->check != KC_FILE && k->check != KC_SECRET) ||
		    k->sect == S_LANE)
			continue;
		v = key_dst(k, p->cfg, NULL);
		if (*v != '\0' && named_file_check(p, k, v) != 0)
			return -1;
	}
	return 0;
}

/*
 * The camera listener (docs/camera.md): credentials come as a pair (and
 * camera_auth only with them), and a listener takes plates only from
 * sources named in camera_allow or in a lane's camera_source (daemon only).
 */
static int
camera_check(struct parse *p)
{
	const struct config *c = p->cfg;
	int kl = p->key_line[key_find(S_CONTROLLER, "camera_listen")];
	bool named = c->controller.camera_allow[0] != '\0';
	int i;

	if ((c->controller.camera_user[0] == '\0') !=
	    (c->controller.camera_password_file[0] == '\0'))
		return fail(p, p->key_line[key_find(S_CONTROLLER,
		    c->controller.camera_user[0] == '\0' ? "camera_password_file" :
		    "camera_user")], "[controller] camera_user and "
		    "camera_password_file go together");
	if (c->controller.camera_user[0] == '\0' &&
	    p->key_line[key_find(S_CONTROLLER, "camera_auth")] != 0)
		return fail(p, p->key_line[key_find(S_CONTROLLER,
		    "camera_auth")], "[controller] camera_auth needs camera_user "
		    "and camera_password_file");
	if (c->controller.camera_listen[0] == '\0')
		return 0;
	for (i = 0; i < c->n_lanes; i++)
		named = named || c->lanes[i].camera_source[0] != '\0';
	if (!named)
		return fail(p, kl, "[controller] camera_listen needs camera_allow "
		    "or a lane's camera_source: no camera may push otherwise");
	return 0;
}

/* Checks across the whole file, for what the daemon needs. */
static int
daemon_check(struct parse *p)
{
	const struct config *c = p->cfg;

	if (c->controller.id[0] == '\0')
		return fail(p, 0, "[controller] id: required");
	if (c->controller.db[0] == '\0')
		return fail(p, 0, "[controller] db: required");
	if (c->n_lanes == 0)
		return fail(p, 0, "no [lane NAME] section: at least one lane "
		    "is required");
	if (devices_check(p) != 0 || override_check(p) != 0 ||
	    profiles_check(p) != 0 || camera_check(p) != 0)
		return -1;
	return 0;
}

/* libinih's switches, for this parser: one line per call, no cutting. */
static void
inih_setup(void)
{
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	ini_allow_inline_comments = true;
	ini_allow_bom = true;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = CFG_LINE_MAX + 3;
	ini_max_line = CFG_LINE_MAX + 3;
}

static void
parse_file(struct parse *p)
{
	int rc;

	inih_setup();
	rc = ini_parse_stream(cfg_reader, p, cfg_handler, p);
	if (p->failed)
		return;
	if (rc > 0) {
		fail(p, rc, "syntax error: expected [section] or key = value");
		return;
	}
	if (rc < 0) {
		fail(p, 0, "out of memory");
		return;
	}
	if (section_end(p) != 0)
		return;
	if (p->mode == CFG_DAEMON || p->mode == CFG_CHECK)
		(void)daemon_check(p);
	if (p->mode == CFG_CHECK && !p->failed)
		(void)files_check(p);
}

int
cfg_load(const char *path, enum cfg_mode mode, struct config *cfg,
    char *err, size_t errlen)
{
	struct parse p;
	struct config *c;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.mode = mode;
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((c = malloc(sizeof(*c))) == NULL)
		return fail(&p, 0, "out of memory");
	cfg_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	p.cfg = c;
	if ((p.fp = fopen(path, "r")) == NULL)
		fail(&p, 0, "cannot open: %s", strerror(errno));
	else {
		parse_file(&p);
		fclose(p.fp);
	}
	free(p.buf);
	if (!p.failed)
		memcpy(cfg, c, sizeof(*c));
	free(c);
	return p.failed ? -1 : 0;
}

/* --- hash ------------------------------------------------------------- */

static void
hash_keys(struct sbuf *b, enum sect s, const char *label,
    const struct config *cfg, const struct lane_cfg *lane)
{
	const void *src;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].sect != s)
			continue;
		src = (const char *)(s == S_LANE ? (const void *)lane :
		    (const void *)cfg) + keys[i].off;
		sbuf_printf(b, "%s %s = ", label, keys[i].name);
		kt_ops[keys[i].type].format(&keys[i], src, b);
		sbuf_putc(b, '\n');
	}
}

void
cfg_hash(const struct config *cfg, char out[65])
{
	char label[32];
	struct sbuf b;
	int s, i;

	sbuf_init(&b);
	for (s = S_CONTROLLER; s < S_LANE; s++) {
		snprintf(label, sizeof(label), "[%s]", sect_names[s]);
		hash_keys(&b, (enum sect)s, label, cfg, NULL);
	}
	for (i = 0; i < cfg->n_lanes; i++) {
		snprintf(label, sizeof(label), "[lane %s]", cfg->lanes[i].name);
		hash_keys(&b, S_LANE, label, cfg, &cfg->lanes[i]);
	}
	chain_sha256_hex(b.p, b.len, out);
	sbuf_fini(&b);
}
