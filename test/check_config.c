/* Tests of the configuration file (docs/design.md §3) and device addresses. */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weighgate/camera_listen.h"
#include "weighgate/config.h"

#include "check_util.h"

static char errbuf[2048];

/* The source tree: $ROOT as tools/run-tests.sh exports it, else ".". */
static const char *
root(void)
{
	const char *r = getenv("ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

static void
fixture_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/test/fixtures/config/%s", root(), name);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Write text as DIR/weighgate.conf and load it. */
static int
load_text(const char *dir, const char *text, enum cfg_mode mode,
    struct config *cfg, char *path, size_t plen)
{
	snprintf(path, plen, "%s/weighgate.conf", dir);
	write_file(path, text, 0600);
	return cfg_load(path, mode, cfg, errbuf, sizeof(errbuf));
}

/* The load fails with "PATH:LINE: ..." (LINE 0: "PATH: ...") holding msg. */
static void
assert_error(const char *path, int line, const char *msg)
{
	char prefix[1200];

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(strncmp(errbuf, prefix, strlen(prefix)) == 0,
	    "error '%s' does not begin with '%s'", errbuf, prefix);
	ck_assert_msg(strstr(errbuf + strlen(prefix), msg) != NULL,
	    "error '%s' does not say '%s'", errbuf, msg);
}

/* --- bad configuration fixtures ---------------------------------------- */

static const struct bad {
	const char *file;
	enum cfg_mode mode;
	int line;		/* 0: "FILE: message" */
	const char *msg;
} bad[] = {
	{ "bad_unknown_key.conf", CFG_RULES, 4, "[rules] max_speed: unknown key" },
	{ "bad_unknown_section.conf", CFG_RULES, 4, "[rulez]: unknown section" },
	{ "bad_key_before_section.conf", CFG_RULES, 2,
	    "max_speed_kmh: key outside any section" },
	{ "bad_duplicate_key.conf", CFG_RULES, 4,
	    "[rules] max_retries: duplicate key (first at line 2)" },
	{ "bad_duplicate_lane_key.conf", CFG_RULES, 6,
	    "[lane L02] poll_ms: duplicate key (first at line 4)" },
	{ "bad_duplicate_section.conf", CFG_RULES, 5,
	    "[rules]: duplicate section (first at line 1)" },
	{ "bad_duplicate_lane.conf", CFG_RULES, 7,
	    "[lane l01]: duplicate lane (first at line 1)" },
	{ "bad_too_many_lanes.conf", CFG_RULES, 33,
	    "[lane L17]: more than 16 lanes" },
	{ "bad_lane_name.conf", CFG_RULES, 3, "[lane L 02]: bad lane name" },
	{ "bad_lane_no_name.conf", CFG_RULES, 2, "[lane ]: bad lane name" },
	{ "bad_empty_value.conf", CFG_RULES, 3, "[controller] db: empty value" },
	{ "bad_empty_value_comment.conf", CFG_RULES, 2,
	    "[platform] batch_max: empty value" },
	{ "bad_trailing_garbage.conf", CFG_RULES, 2,
	    "[lane L01] poll_ms = 50ms: not an integer" },
	{ "bad_hash_comment.conf", CFG_RULES, 2, "not an integer" },
	{ "bad_quoted_value.conf", CFG_RULES, 2,
	    "[controller] id = \"HA-ZZ-0101-E\": values are written without "
	    "quotes" },
	{ "bad_single_quoted.conf", CFG_RULES, 3, "without quotes" },
	{ "bad_fault_after.conf", CFG_RULES, 4,
	    "[lane L01] fault_after_ms 1000 must be at least 2 x timeout_ms "
	    "(1200)" },
	{ "bad_fault_after_default.conf", CFG_RULES, 3,
	    "[lane L02] fault_after_ms 1000 must be at least 2 x timeout_ms" },
	{ "bad_template_placeholder.conf", CFG_RULES, 2,
	    "unknown placeholder {weight}" },
	{ "bad_template_open_brace.conf", CFG_RULES, 2,
	    "[lane L01] led_turnback = {plate 超限{over_t}吨: unbalanced "
	    "brace '{'" },
	{ "bad_template_close_brace.conf", CFG_RULES, 2,
	    "unbalanced brace '}'" },
	{ "bad_template_utf8.conf", CFG_RULES, 2,
	    "[lane L01] led_idle: not valid UTF-8" },
	{ "bad_control_char.conf", CFG_RULES, 2, "control character" },
	{ "bad_nul_byte.conf", CFG_RULES, 2, "NUL byte" },
	{ "bad_long_line.conf", CFG_RULES, 3, "line too long" },
	{ "bad_long_value.conf", CFG_RULES, 2,
	    "too long (at most 511 bytes)" },
	{ "bad_syntax.conf", CFG_RULES, 2, "expected [section] or key = value" },
	{ "bad_colon_separator.conf", CFG_RULES, 2,
	    "expected [section] or key = value" },
	{ "bad_header_unclosed.conf", CFG_RULES, 1, "without ']'" },
	{ "bad_header_text.conf", CFG_RULES, 1, "text after the section header" },
	{ "bad_range.conf", CFG_RULES, 4,
	    "[rules] max_speed_kmh = 500: out of range 1-120" },
	{ "bad_range_limit.conf", CFG_RULES, 3,
	    "[limits] 6.single_drive = 999: out of range 1000-200000" },
	{ "bad_negative.conf", CFG_RULES, 2,
	    "[controller] retention_days = -5: out of range 1-3650" },
	{ "bad_enum.conf", CFG_RULES, 2,
	    "word_order = ABDC: must be ABCD, CDAB, BADC or DCBA" },
	{ "bad_encoding.conf", CFG_RULES, 2, "must be GB18030 or UTF-8" },
	{ "bad_on_off.conf", CFG_RULES, 2,
	    "[rules] overrides = yes: must be off or on" },
	{ "bad_scale_class.conf", CFG_RULES, 2,
	    "scale_class = 3: must be one of 0.2 0.5 1 2 5 10" },
	{ "bad_tolerance_decimals.conf", CFG_RULES, 2,
	    "tolerance_pct = 1.234: more than two decimals" },
	{ "bad_tolerance_range.conf", CFG_RULES, 2,
	    "tolerance_pct = 20.01: out of range 0-20" },
	{ "bad_min_max_gross.conf", CFG_RULES, 3,
	    "min_gross_kg 30000 must be below max_gross_kg 20000" },
	{ "bad_retry_min_max.conf", CFG_RULES, 2,
	    "retry_min_ms 1000 must not exceed retry_max_ms 500" },
	{ "bad_register_span.conf", CFG_RULES, 2,
	    "scale_base = 65530: its 29 registers run past address 65535" },
	{ "bad_url.conf", CFG_RULES, 2, "must begin with https://" },
	{ "bad_listen.conf", CFG_RULES, 2, "port out of range 1-65535" },
	{ "bad_controller_id.conf", CFG_RULES, 2, "only letters, digits" },
	{ "bad_pin.conf", CFG_RULES, 2, "44 base64 characters" },
	{ "bad_dev_scheme.conf", CFG_RULES, 2, "not a device address" },
	{ "bad_dev_port.conf", CFG_RULES, 2,
	    "[lane L01] scale = tcp://127.0.0.1:70000?unit=1: port out of "
	    "range 1-65535" },
	{ "bad_dev_unit.conf", CFG_RULES, 2, "unit out of range 0-255" },
	{ "bad_dev_unknown_param.conf", CFG_RULES, 2,
	    "unknown parameter 'baud'" },
	{ "bad_dev_duplicate_param.conf", CFG_RULES, 2,
	    "duplicate parameter 'unit'" },
	{ "bad_dev_baud.conf", CFG_RULES, 2, "baud must be one of" },
	{ "bad_dev_relative.conf", CFG_RULES, 2, "absolute path" },
	{ "bad_dev_no_unit.conf", CFG_RULES, 2, "missing ?unit=N" },
	{ "bad_dev_host.conf", CFG_RULES, 2, "bad host '300.1.2.3'" },
	{ "bad_missing_device.conf", CFG_DAEMON, 5, "[lane L01] led: required" },
	{ "bad_no_lane.conf", CFG_DAEMON, 0, "at least one lane is required" },
	{ "bad_no_id.conf", CFG_DAEMON, 0, "[controller] id: required" },
	{ "bad_no_db.conf", CFG_DAEMON, 0, "[controller] db: required" },
	{ "bad_same_device.conf", CFG_DAEMON, 8,
	    "[lane L02] io: same device and unit as [lane L01] io" },
	{ "bad_rtu_settings.conf", CFG_DAEMON, 8,
	    "[lane L02] led: serial settings differ from [lane L01] led" },
	{ "bad_overrides_no_token.conf", CFG_DAEMON, 5,
	    "[rules] overrides = on needs [controller] override_token_file" },
	{ "bad_overrides_token_missing.conf", CFG_DAEMON, 4,
	    "override_token_file /nonexistent/weighgate/override-token: No such "
	    "file or directory" },
};

/* Each bad fixture is refused with the expected FILE:LINE and message. */
START_TEST(test_bad_fixture)
{
	const struct bad *b = &bad[_i];
	struct config cfg;
	char path[1024];

	fixture_path(path, sizeof(path), b->file);
	ck_assert_msg(cfg_load(path, b->mode, &cfg, errbuf, sizeof(errbuf))
	    == -1, "%s was accepted", b->file);
	assert_error(path, b->line, b->msg);
}
END_TEST

/* The daemon-only checks do not apply to a replay configuration. */
START_TEST(test_daemon_only_checks)
{
	static const char *const files[] = {
		"bad_missing_device.conf", "bad_no_lane.conf", "bad_no_id.conf",
		"bad_same_device.conf", "bad_overrides_no_token.conf",
		"bad_overrides_token_missing.conf", "bad_rtu_settings.conf",
	};
	struct config cfg;
	char path[1024];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		fixture_path(path, sizeof(path), files[i]);
		ck_assert_msg(cfg_load(path, CFG_RULES, &cfg, errbuf,
		    sizeof(errbuf)) == 0, "%s: %s", files[i], errbuf);
	}
}
END_TEST

START_TEST(test_missing_file)
{
	struct config cfg;
	char path[1024];

	fixture_path(path, sizeof(path), "no-such-file.conf");
	ck_assert_int_eq(cfg_load(path, CFG_RULES, &cfg, errbuf,
	    sizeof(errbuf)), -1);
	assert_error(path, 0, "cannot open: No such file or directory");
}
END_TEST

/* A refused file leaves the caller's struct as it was. */
START_TEST(test_failure_keeps_cfg)
{
	struct config cfg, copy;
	char path[1024];

	memset(&cfg, 0x5a, sizeof(cfg));
	memcpy(&copy, &cfg, sizeof(cfg));
	fixture_path(path, sizeof(path), "bad_fault_after.conf");
	ck_assert_int_eq(cfg_load(path, CFG_RULES, &cfg, errbuf,
	    sizeof(errbuf)), -1);
	ck_assert(memcmp(&cfg, &copy, sizeof(cfg)) == 0);
}
END_TEST

/* A lane name longer than 15 characters or with other characters. */
START_TEST(test_lane_names)
{
	static const char *const badnames[] = {
		"L0123456789ABCDE", "L.01", "L01/2", "车道1",
	};
	char dir[64], path[128], text[128];
	struct config cfg;
	size_t i;

	cu_mkdtemp(dir, sizeof(dir));
	for (i = 0; i < sizeof(badnames) / sizeof(badnames[0]); i++) {
		snprintf(text, sizeof(text), "[rules]\n[lane %s]\n", badnames[i]);
		ck_assert_int_eq(load_text(dir, text, CFG_RULES, &cfg, path,
		    sizeof(path)), -1);
		assert_error(path, 2, "bad lane name");
	}
	ck_assert_int_eq(load_text(dir, "[lane L0123456789ABCD]\n[lane a_-9]\n",
	    CFG_RULES, &cfg, path, sizeof(path)), 0);
	ck_assert_str_eq(cfg.lanes[0].name, "L0123456789ABCD");
	ck_assert_str_eq(cfg.lanes[1].name, "a_-9");
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* 16 lanes are accepted (the 17th is the bad fixture above). */
START_TEST(test_sixteen_lanes)
{
	char dir[64], path[128], text[4096];
	struct config cfg;
	size_t n = 0;
	int i;

	cu_mkdtemp(dir, sizeof(dir));
	n += (size_t)snprintf(text, sizeof(text),
	    "[controller]\nid = T\ndb = /tmp/x.db\n");
	for (i = 1; i <= 16; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "[lane L%02d]\nscale = tcp://127.0.0.1:15020?unit=%d\n"
		    "io = tcp://127.0.0.1:15020?unit=%d\n"
		    "led = tcp://127.0.0.1:15020?unit=%d\n",
		    i, 3 * i - 2, 3 * i - 1, 3 * i);
	ck_assert_msg(load_text(dir, text, CFG_DAEMON, &cfg, path,
	    sizeof(path)) == 0, "%s", errbuf);
	ck_assert_int_eq(cfg.n_lanes, 16);
	ck_assert_str_eq(cfg.lanes[15].name, "L16");
	ck_assert_int_eq(cfg.lanes[15].dev[ROLE_LED].addr.unit, 48);
	ck_assert_int_eq(cfg.lanes[15].line, 3 + 15 * 4 + 1);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* A line of 1000 bytes is read whole; 1001 bytes is an error, not a cut. */
START_TEST(test_line_length)
{
	char dir[64], path[128], text[4096];
	struct config cfg;
	int i, n;

	cu_mkdtemp(dir, sizeof(dir));
	n = snprintf(text, sizeof(text), "[rules]\n;");
	memset(text + n, 'x', 999);
	snprintf(text + n + 999, sizeof(text) - (size_t)n - 999,
	    "\nmax_retries = 5\n");
	ck_assert_msg(load_text(dir, text, CFG_RULES, &cfg, path,
	    sizeof(path)) == 0, "%s", errbuf);
	ck_assert_int_eq(cfg.rules.max_retries, 5);
	memmove(text + n + 1, text + n, strlen(text + n) + 1);
	ck_assert_int_eq(load_text(dir, text, CFG_RULES, &cfg, path,
	    sizeof(path)), -1);
	assert_error(path, 2, "line too long (1001 bytes, at most 1000)");

	/* a template of 300 bytes (100 CJK characters) is kept whole */
	n = snprintf(text, sizeof(text), "[lane L01]\nled_idle = ");
	for (i = 0; i < 100; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "超");
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	ck_assert_msg(load_text(dir, text, CFG_RULES, &cfg, path,
	    sizeof(path)) == 0, "%s", errbuf);
	ck_assert_uint_eq(strlen(cfg.lanes[0].led_text[LED_IDLE]), 300);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* --- token and key file modes ------------------------------------------ */

/* A token file readable by group or others is refused; 0600 is accepted. */
static void
check_secret(const char *section, const char *key, int daemon)
{
	char dir[64], path[128], tok[128], text[1024], ctl[256] = "", plat[256] = "";
	enum cfg_mode mode = daemon ? CFG_DAEMON : CFG_RULES;
	struct config cfg;
	int line;

	cu_mkdtemp(dir, sizeof(dir));
	snprintf(tok, sizeof(tok), "%s/secret", dir);
	write_file(tok, "s3cret\n", 0644);
	if (strcmp(section, "controller") == 0) {
		snprintf(ctl, sizeof(ctl), "%s = %s\n", key, tok);
		line = 4;
	} else {
		snprintf(plat, sizeof(plat), "[platform]\n%s = %s\n", key, tok);
		line = 7;
	}
	snprintf(text, sizeof(text), "[controller]\nid = T\ndb = %s/x.db\n"
	    "%s[rules]\noverrides = %s\n%s[lane L01]\n"
	    "scale = tcp://127.0.0.1:1?unit=1\nio = tcp://127.0.0.1:1?unit=2\n"
	    "led = tcp://127.0.0.1:1?unit=3\n", dir, ctl,
	    *ctl != '\0' ? "on" : "off", plat);
	ck_assert_int_eq(load_text(dir, text, mode, &cfg, path, sizeof(path)),
	    -1);
	snprintf(text, sizeof(text), "[%s] %s %s: readable by group or others "
	    "(mode 0644); chmod 600", section, key, tok);
	assert_error(path, line, text);

	ck_assert_int_eq(chmod(tok, 0640), 0);
	ck_assert_int_eq(cfg_load(path, mode, &cfg, errbuf, sizeof(errbuf)), -1);
	ck_assert_ptr_nonnull(strstr(errbuf, "(mode 0640)"));
	ck_assert_int_eq(chmod(tok, 0604), 0);
	ck_assert_int_eq(cfg_load(path, mode, &cfg, errbuf, sizeof(errbuf)), -1);
	ck_assert_ptr_nonnull(strstr(errbuf, "(mode 0604)"));

	ck_assert_int_eq(chmod(tok, 0600), 0);
	ck_assert_msg(cfg_load(path, mode, &cfg, errbuf, sizeof(errbuf)) == 0,
	    "%s", errbuf);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}

START_TEST(test_token_file_mode)
{
	check_secret("platform", "token_file", 1);
	check_secret("platform", "key_file", 1);
	check_secret("controller", "override_token_file", 1);
	check_secret("platform", "token_file", 0);
}
END_TEST

/* overrides = on with an existing 0600 token file loads in daemon mode. */
START_TEST(test_overrides_on)
{
	char dir[64], path[128], tok[128], text[1024];
	struct config cfg;

	cu_mkdtemp(dir, sizeof(dir));
	snprintf(tok, sizeof(tok), "%s/override-token", dir);
	write_file(tok, "t\n", 0600);
	snprintf(text, sizeof(text), "[controller]\nid = T\ndb = x.db\n"
	    "override_token_file = %s\n[rules]\noverrides = on\n[lane L01]\n"
	    "scale = tcp://h:1?unit=1\nio = tcp://h:1?unit=2\n"
	    "led = tcp://h:1?unit=3\n", tok);
	ck_assert_msg(load_text(dir, text, CFG_DAEMON, &cfg, path,
	    sizeof(path)) == 0, "%s", errbuf);
	ck_assert(cfg.rules.overrides);
	ck_assert_str_eq(cfg.controller.override_token_file, tok);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* camera_auth: any by default, basic or digest; FILE:LINE on a bad value or without a user. */
START_TEST(test_camera_auth)
{
	static const char *const auth[] = { "", "camera_auth = any\n",
	    "camera_auth = Basic\n", "camera_auth = digest\n",
	    "camera_auth = ntlm\n" };
	char dir[64], path[128], pw[128], text[1024];
	struct config cfg;
	size_t i;

	cu_mkdtemp(dir, sizeof(dir));
	snprintf(pw, sizeof(pw), "%s/campw", dir);
	write_file(pw, "s\n", 0600);
	for (i = 0; i < sizeof(auth) / sizeof(auth[0]); i++) {
		snprintf(text, sizeof(text), "[controller]\nid = T\ndb = x.db\n"
		    "camera_listen = 127.0.0.1:8751\ncamera_allow = 127.0.0.1\n"
		    "camera_user = cam\ncamera_password_file = %s\n%s"
		    "[lane L01]\nscale = tcp://h:1?unit=1\nio = tcp://h:1?unit=2\n"
		    "led = tcp://h:1?unit=3\n", pw, auth[i]);
		if (i == 4) {
			ck_assert_int_eq(load_text(dir, text, CFG_DAEMON, &cfg,
			    path, sizeof(path)), -1);
			assert_error(path, 8, "must be any, basic or digest");
			continue;
		}
		ck_assert_msg(load_text(dir, text, CFG_DAEMON, &cfg, path,
		    sizeof(path)) == 0, "%s", errbuf);
		ck_assert_int_eq(cfg.controller.camera_auth, i < 2 ?
		    CAMERA_AUTH_ANY : i == 2 ? CAMERA_AUTH_BASIC :
		    CAMERA_AUTH_DIGEST);
	}
	snprintf(text, sizeof(text), "[controller]\nid = T\ndb = x.db\n"
	    "camera_listen = 127.0.0.1:8751\ncamera_allow = 127.0.0.1\n"
	    "camera_auth = digest\n[lane L01]\nscale = tcp://h:1?unit=1\n"
	    "io = tcp://h:1?unit=2\nled = tcp://h:1?unit=3\n");
	ck_assert_int_eq(load_text(dir, text, CFG_DAEMON, &cfg, path,
	    sizeof(path)), -1);
	assert_error(path, 6, "camera_auth needs camera_user");
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* --- --check: the files the configuration names ------------------------ */

/* The shipped example with [platform] files set to the given paths. */
static int
load_with_files(const char *dir, const char *ca, const char *cert,
    const char *key, enum cfg_mode mode, char *path, size_t plen)
{
	char text[2048];
	struct config cfg;

	snprintf(text, sizeof(text), "[controller]\nid = T\ndb = %s/x.db\n"
	    "[platform]\nurl = https://p.example.org\nca_file = %s\n"
	    "cert_file = %s\nkey_file = %s\n[lane L01]\n"
	    "scale = tcp://h:1?unit=1\nio = tcp://h:1?unit=2\n"
	    "led = tcp://h:1?unit=3\n", dir, ca, cert, key);
	return load_text(dir, text, mode, &cfg, path, plen);
}

START_TEST(test_check_named_files)
{
	char dir[64], path[128], ca[128], cert[128], key[128], msg[512];

	cu_mkdtemp(dir, sizeof(dir));
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/client.pem", dir);
	snprintf(key, sizeof(key), "%s/client.key", dir);
	write_file(cert, "cert\n", 0644);
	write_file(key, "key\n", 0600);
	/* the daemon starts without the CA file (the sync reports it) ... */
	ck_assert_msg(load_with_files(dir, ca, cert, key, CFG_DAEMON, path,
	    sizeof(path)) == 0, "%s", errbuf);
	/* ... --check names the file and its key */
	ck_assert_int_eq(load_with_files(dir, ca, cert, key, CFG_CHECK, path,
	    sizeof(path)), -1);
	snprintf(msg, sizeof(msg), "[platform] ca_file %s: No such file or "
	    "directory", ca);
	assert_error(path, 6, msg);
	write_file(ca, "ca\n", 0644);
	ck_assert_msg(load_with_files(dir, ca, cert, key, CFG_CHECK, path,
	    sizeof(path)) == 0, "%s", errbuf);
	/* a certificate anybody may replace */
	ck_assert_int_eq(chmod(cert, 0646), 0);
	ck_assert_int_eq(load_with_files(dir, ca, cert, key, CFG_CHECK, path,
	    sizeof(path)), -1);
	snprintf(msg, sizeof(msg), "[platform] cert_file %s: writable by "
	    "others (mode 0646)", cert);
	assert_error(path, 7, msg);
	ck_assert_int_eq(chmod(cert, 0644), 0);
	/* a directory is not a CA file; an unreadable one is refused too */
	ck_assert_int_eq(load_with_files(dir, dir, cert, key, CFG_CHECK, path,
	    sizeof(path)), -1);
	assert_error(path, 6, "not a regular file");
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(ca, 0), 0);
		ck_assert_int_eq(load_with_files(dir, ca, cert, key, CFG_CHECK,
		    path, sizeof(path)), -1);
		assert_error(path, 6, "Permission denied");
	}
	/* a missing key file: the daemon starts, --check refuses */
	snprintf(key, sizeof(key), "%s/none.key", dir);
	ck_assert_int_eq(load_with_files(dir, dir, cert, key, CFG_DAEMON, path,
	    sizeof(path)), 0);
	write_file(ca, "ca\n", 0644);
	ck_assert_int_eq(load_with_files(dir, ca, cert, key, CFG_CHECK, path,
	    sizeof(path)), -1);
	snprintf(msg, sizeof(msg), "[platform] key_file %s: No such file", key);
	assert_error(path, 8, msg);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* An unknown key names the nearest known one, or the section it is in. */
START_TEST(test_unknown_key_hint)
{
	static const struct { const char *text; int line; const char *msg; } t[] = {
		{ "[rules]\nmax_retrys = 2\n", 2,
		  "[rules] max_retrys: unknown key; did you mean max_retries?" },
		{ "[rules]\nmax_speed = 15\n", 2,
		  "unknown key; did you mean max_speed_kmh?" },
		{ "[platform]\nca_fiel = x\n", 2, "did you mean ca_file?" },
		{ "[controller]\nRetention_Days = 9\n", 2,
		  "did you mean retention_days?" },
		{ "[lane L01]\npoll_sm = 50\n", 2, "did you mean poll_ms?" },
		{ "[controller]\nmax_retries = 2\n", 2,
		  "[controller] max_retries: unknown key; max_retries belongs "
		  "in [rules]" },
		{ "[rules]\npoll_ms = 2\n", 2, "poll_ms belongs in [lane NAME]" },
	};
	char dir[64], path[128];
	struct config cfg;
	size_t i;

	cu_mkdtemp(dir, sizeof(dir));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(load_text(dir, t[i].text, CFG_RULES, &cfg, path,
		    sizeof(path)), -1);
		assert_error(path, t[i].line, t[i].msg);
	}
	/* nothing near: no guess */
	ck_assert_int_eq(load_text(dir, "[rules]\nzebra = 1\n", CFG_RULES,
	    &cfg, path, sizeof(path)), -1);
	ck_assert_msg(strstr(errbuf, "did you mean") == NULL &&
	    strstr(errbuf, "belongs") == NULL, "%s", errbuf);
	ck_assert_int_eq(load_text(dir, "[limits]\n7 = 1000\n", CFG_RULES,
	    &cfg, path, sizeof(path)), -1);
	ck_assert_msg(strstr(errbuf, "did you mean") == NULL, "%s", errbuf);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* --- ranges ------------------------------------------------------------ */

#define CO(m)	offsetof(struct config, m), sizeof(((struct config *)0)->m)
#define LO(m)	offsetof(struct lane_cfg, m), sizeof(((struct lane_cfg *)0)->m)

static const struct range {
	const char *sect;	/* "lane" for [lane L01] */
	const char *key;
	long lo, hi;		/* both accepted */
	const char *above;	/* what hi + 1 is told */
	const char *extra;	/* lines before the key */
	size_t off, size;	/* in struct config, or lane_cfg for lanes */
} ranges[] = {
	{ "controller", "retention_days", 1, 3650, NULL, "", CO(controller.retention_days) },
	{ "controller", "db_max_mb", 0, 1000000, NULL, "", CO(controller.db_max_mb) },
	{ "controller", "disk_min_free_mb", 0, 100000, NULL, "", CO(controller.disk_min_free_mb) },
	{ "controller", "status_max_connections", 1, 512, NULL, "", CO(controller.status_max_connections) },
	{ "rules", "tolerance_kg", 0, 5000, NULL, "", CO(rules.tolerance_kg) },
	{ "rules", "max_speed_kmh", 1, 120, NULL, "", CO(rules.max_speed_kmh) },
	{ "rules", "axle_sum_tolerance_pct", 0, 50, NULL, "", CO(rules.axle_sum_tolerance_pct) },
	{ "rules", "min_gross_kg", 0, 50000, NULL, "", CO(rules.min_gross_kg) },
	{ "rules", "max_gross_kg", 10000, 300000, NULL, "", CO(rules.max_gross_kg) },
	{ "rules", "max_retries", 0, 10, NULL, "", CO(rules.max_retries) },
	{ "limits", "2", 1000, 200000, NULL, "", CO(rules.limits[LIM_2]) },
	{ "limits", "3.rigid", 1000, 200000, NULL, "", CO(rules.limits[LIM_3_RIGID]) },
	{ "limits", "3.combination", 1000, 200000, NULL, "", CO(rules.limits[LIM_3_COMBINATION]) },
	{ "limits", "4.rigid", 1000, 200000, NULL, "", CO(rules.limits[LIM_4_RIGID]) },
	{ "limits", "4.combination", 1000, 200000, NULL, "", CO(rules.limits[LIM_4_COMBINATION]) },
	{ "limits", "5", 1000, 200000, NULL, "", CO(rules.limits[LIM_5]) },
	{ "limits", "6", 1000, 200000, NULL, "", CO(rules.limits[LIM_6]) },
	{ "limits", "6.single_drive", 1000, 200000, NULL, "", CO(rules.limits[LIM_6_SINGLE_DRIVE]) },
	{ "platform", "batch_max", 1, 10000, NULL, "", CO(platform.batch_max) },
	{ "platform", "batch_wait_ms", 0, 60000, NULL, "", CO(platform.batch_wait_ms) },
	{ "platform", "list_poll_s", 1, 86400, NULL, "", CO(platform.list_poll_s) },
	{ "platform", "retry_min_ms", 10, 60000, NULL, "", CO(platform.retry_min_ms) },
	{ "platform", "retry_max_ms", 100, 3600000, NULL, "retry_min_ms = 10\n", CO(platform.retry_max_ms) },
	{ "platform", "request_timeout_s", 1, 3600, NULL, "", CO(platform.request_timeout_s) },
	{ "lane", "poll_ms", 5, 10000, NULL, "", LO(poll_ms) },
	{ "lane", "timeout_ms", 10, 10000, NULL, "fault_after_ms = 600000\n", LO(timeout_ms) },
	{ "lane", "fault_after_ms", 50, 600000, NULL, "timeout_ms = 10\n", LO(fault_after_ms) },
	{ "lane", "pass_timeout_s", 1, 3600, NULL, "", LO(pass_timeout_s) },
	{ "lane", "barrier_timeout_ms", 100, 60000, NULL, "", LO(barrier_timeout_ms) },
	{ "lane", "min_result_interval_ms", 0, 60000, NULL, "", LO(min_result_interval_ms) },
	{ "lane", "reset_settle_ms", 0, 600000, NULL, "", LO(reset_settle_ms) },
	{ "lane", "led_registers", 1, 120, NULL, "", LO(led_registers) },
	{ "lane", "scale_base", 0, 65535 - 28, "run past address 65535", "", LO(scale_base) },
	{ "lane", "io_coil_base", 0, 65535 - 3, "run past address 65535", "", LO(io_coil_base) },
	{ "lane", "io_input_base", 0, 65535 - 3, "run past address 65535", "", LO(io_input_base) },
	{ "lane", "led_base", 0, 65535 - 33, "run past address 65535", "", LO(led_base) },
};

static long
field_value(const struct config *cfg, const struct range *r)
{
	const char *base = strcmp(r->sect, "lane") == 0 ?
	    (const char *)&cfg->lanes[0] : (const char *)cfg;
	int64_t v64;
	int v;

	if (r->size == sizeof(int64_t)) {
		memcpy(&v64, base + r->off, sizeof(v64));
		return (long)v64;
	}
	memcpy(&v, base + r->off, sizeof(v));
	return v;
}

/* Load "[sect]\nextra key = v\n"; returns cfg_load's result. */
static int
load_range(const char *dir, const struct range *r, long v,
    struct config *cfg, char *path, size_t plen, int *line)
{
	char text[512];
	const char *e;

	snprintf(text, sizeof(text), "[%s%s]\n%s%s = %ld\n", r->sect,
	    strcmp(r->sect, "lane") == 0 ? " L01" : "", r->extra, r->key, v);
	*line = 2;
	for (e = r->extra; *e != '\0'; e++)
		*line += *e == '\n';
	return load_text(dir, text, CFG_RULES, cfg, path, plen);
}

/* Both ends of each range are accepted and stored; one beyond is refused. */
START_TEST(test_range)
{
	const struct range *r = &ranges[_i];
	char dir[64], path[128], msg[128];
	struct config cfg;
	int line;

	cu_mkdtemp(dir, sizeof(dir));
	ck_assert_msg(load_range(dir, r, r->lo, &cfg, path, sizeof(path),
	    &line) == 0, "%s", errbuf);
	ck_assert_int_eq(field_value(&cfg, r), r->lo);
	ck_assert_msg(load_range(dir, r, r->hi, &cfg, path, sizeof(path),
	    &line) == 0, "%s", errbuf);
	ck_assert_int_eq(field_value(&cfg, r), r->hi);

	ck_assert_int_eq(load_range(dir, r, r->lo - 1, &cfg, path,
	    sizeof(path), &line), -1);
	snprintf(msg, sizeof(msg), "%s = %ld: out of range", r->key, r->lo - 1);
	assert_error(path, line, msg);
	ck_assert_int_eq(load_range(dir, r, r->hi + 1, &cfg, path,
	    sizeof(path), &line), -1);
	if (r->above != NULL)
		assert_error(path, line, r->above);
	else {
		snprintf(msg, sizeof(msg), "%s = %ld: out of range %ld-%ld",
		    r->key, r->hi + 1, r->lo, r->hi);
		assert_error(path, line, msg);
	}
	if (r->above != NULL) {
		ck_assert_int_eq(load_range(dir, r, 65536, &cfg, path,
		    sizeof(path), &line), -1);
		assert_error(path, line, "out of range 0-65535");
	}
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

static int
load_rules_line(const char *dir, const char *line, struct config *cfg)
{
	char path[128], text[256];

	snprintf(text, sizeof(text), "[rules]\n%s\n", line);
	return load_text(dir, text, CFG_RULES, cfg, path, sizeof(path));
}

/* scale_class: exactly the six classes, held in hundredths. */
START_TEST(test_scale_class)
{
	static const struct { const char *s; int x100; } ok[] = {
		{ "0.2", 20 }, { "0.5", 50 }, { "1", 100 }, { "2", 200 },
		{ "5", 500 }, { "10", 1000 }, { "0.50", 50 }, { "2.0", 200 },
	};
	static const char *const no[] = {
		"0", "0.1", "3", "20", "2.", ".5", "-2", "2.000", "2 %", "1e1",
	};
	char dir[64], line[64];
	struct config cfg;
	size_t i;

	cu_mkdtemp(dir, sizeof(dir));
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "scale_class = %s", ok[i].s);
		ck_assert_msg(load_rules_line(dir, line, &cfg) == 0, "%s", errbuf);
		ck_assert_int_eq(cfg.rules.scale_class_x100, ok[i].x100);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(line, sizeof(line), "scale_class = %s", no[i]);
		ck_assert_msg(load_rules_line(dir, line, &cfg) == -1,
		    "%s accepted", no[i]);
		ck_assert_ptr_nonnull(strstr(errbuf, ":2: [rules] scale_class"));
	}
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* tolerance_pct: 0-20 with at most two decimals, exact in hundredths. */
START_TEST(test_tolerance_pct)
{
	static const struct { const char *s; int x100; } ok[] = {
		{ "0", 0 }, { "20", 2000 }, { "20.00", 2000 }, { "2.5", 250 },
		{ "0.05", 5 }, { "1.23", 123 }, { "19.99", 1999 }, { "0.1", 10 },
	};
	static const struct { const char *s, *why; } no[] = {
		{ "20.01", "out of range 0-20" }, { "21", "out of range 0-20" },
		{ "1.234", "more than two decimals" }, { "-1", "not a number" },
		{ "1.", "not a number" }, { "1,5", "not a number" },
		{ "2%", "not a number" },
	};
	char dir[64], line[64];
	struct config cfg;
	size_t i;

	cu_mkdtemp(dir, sizeof(dir));
	ck_assert_int_eq(load_rules_line(dir, "max_retries = 1", &cfg), 0);
	ck_assert_int_eq(cfg.rules.tolerance_pct_x100, -1);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "tolerance_pct = %s", ok[i].s);
		ck_assert_msg(load_rules_line(dir, line, &cfg) == 0, "%s", errbuf);
		ck_assert_int_eq(cfg.rules.tolerance_pct_x100, ok[i].x100);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(line, sizeof(line), "tolerance_pct = %s", no[i].s);
		ck_assert_msg(load_rules_line(dir, line, &cfg) == -1,
		    "%s accepted", no[i].s);
		ck_assert_msg(strstr(errbuf, no[i].why) != NULL, "%s", errbuf);
	}
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* Every word of every enumerated key, in any case. */
START_TEST(test_enums)
{
	static const struct { const char *line; size_t off; int v; } ok[] = {
		{ "word_order = ABCD", offsetof(struct lane_cfg, word_order), WO_ABCD },
		{ "word_order = CDAB", offsetof(struct lane_cfg, word_order), WO_CDAB },
		{ "word_order = BADC", offsetof(struct lane_cfg, word_order), WO_BADC },
		{ "word_order = dcba", offsetof(struct lane_cfg, word_order), WO_DCBA },
		{ "plate_encoding = UTF-8", offsetof(struct lane_cfg, plate_encoding), ENC_UTF8 },
		{ "plate_encoding = gb18030", offsetof(struct lane_cfg, plate_encoding), ENC_GB18030 },
		{ "led_encoding = utf-8", offsetof(struct lane_cfg, led_encoding), ENC_UTF8 },
		{ "led_encoding = GB18030", offsetof(struct lane_cfg, led_encoding), ENC_GB18030 },
		{ "barrier_mode = pulse", offsetof(struct lane_cfg, barrier_mode), BARRIER_PULSE },
		{ "barrier_mode = level", offsetof(struct lane_cfg, barrier_mode), BARRIER_LEVEL },
	};
	char dir[64], path[128], text[256];
	struct config cfg;
	size_t i;
	int v;

	cu_mkdtemp(dir, sizeof(dir));
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "[lane L01]\n%s\n", ok[i].line);
		ck_assert_msg(load_text(dir, text, CFG_RULES, &cfg, path,
		    sizeof(path)) == 0, "%s", errbuf);
		memcpy(&v, (char *)&cfg.lanes[0] + ok[i].off, sizeof(v));
		ck_assert_msg(v == ok[i].v, "%s gave %d", ok[i].line, v);
	}
	ck_assert_int_eq(load_rules_line(dir, "on_scale_fault = open", &cfg), 0);
	ck_assert_int_eq(cfg.rules.on_scale_fault, ON_FAULT_OPEN);
	ck_assert_int_eq(load_rules_line(dir, "on_scale_fault = CLOSED", &cfg), 0);
	ck_assert_int_eq(cfg.rules.on_scale_fault, ON_FAULT_CLOSED);
	ck_assert_int_eq(load_rules_line(dir, "on_scale_fault = shut", &cfg), -1);
	ck_assert_ptr_nonnull(strstr(errbuf, "must be closed or open"));
	ck_assert_int_eq(load_rules_line(dir, "overrides = on", &cfg), 0);
	ck_assert(cfg.rules.overrides);
	ck_assert_int_eq(load_rules_line(dir, "overrides = off", &cfg), 0);
	ck_assert(!cfg.rules.overrides);
	ck_assert_int_eq(load_rules_line(dir, "overrides = 1", &cfg), -1);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* --- valid files ------------------------------------------------------- */

/* Field by field: struct padding is not part of the rules. */
static int
rules_eq(const struct rules *a, const struct rules *b)
{
	int i;

	if (a->scale_class_x100 != b->scale_class_x100 ||
	    a->tolerance_pct_x100 != b->tolerance_pct_x100 ||
	    a->tolerance_kg != b->tolerance_kg ||
	    a->max_speed_kmh != b->max_speed_kmh ||
	    a->axle_sum_tolerance_pct != b->axle_sum_tolerance_pct ||
	    a->min_gross_kg != b->min_gross_kg ||
	    a->max_gross_kg != b->max_gross_kg ||
	    a->max_retries != b->max_retries ||
	    a->on_scale_fault != b->on_scale_fault ||
	    a->overrides != b->overrides)
		return 0;
	for (i = 0; i < LIM_NROWS; i++)
		if (a->limits[i] != b->limits[i])
			return 0;
	return 1;
}

/* Every key of good_full.conf lands where it belongs. */
START_TEST(test_good_full)
{
	struct config cfg;
	const struct lane_cfg *l, *l2;
	char path[1024];

	fixture_path(path, sizeof(path), "good_full.conf");
	ck_assert_msg(cfg_load(path, CFG_DAEMON, &cfg, errbuf, sizeof(errbuf))
	    == 0, "%s", errbuf);
	ck_assert_str_eq(cfg.path, path);
	ck_assert_str_eq(cfg.controller.id, "HA-ZZ-0202-E");
	ck_assert_str_eq(cfg.controller.db, "/var/lib/weighgate/test.db");
	ck_assert_str_eq(cfg.controller.status_listen, "localhost:9750");
	ck_assert_str_eq(cfg.controller.override_token_file, "");
	ck_assert_int_eq(cfg.controller.retention_days, 30);
	ck_assert_int_eq(cfg.controller.db_max_mb, 4096);
	ck_assert_int_eq(cfg.controller.disk_min_free_mb, 500);

	ck_assert_int_eq(cfg.rules.scale_class_x100, 20);
	ck_assert_int_eq(cfg.rules.tolerance_pct_x100, 250);
	ck_assert_int_eq(cfg.rules.tolerance_kg, 100);
	ck_assert_int_eq(cfg.rules.max_speed_kmh, 10);
	ck_assert_int_eq(cfg.rules.axle_sum_tolerance_pct, 7);
	ck_assert_int_eq(cfg.rules.min_gross_kg, 1500);
	ck_assert_int_eq(cfg.rules.max_gross_kg, 120000);
	ck_assert_int_eq(cfg.rules.max_retries, 1);
	ck_assert_int_eq(cfg.rules.on_scale_fault, ON_FAULT_CLOSED);
	ck_assert(!cfg.rules.overrides);
	ck_assert_int_eq(cfg.rules.limits[LIM_6], 48000);
	ck_assert_int_eq(cfg.rules.limits[LIM_2], 18000);	/* default kept */
	ck_assert_int_eq(cfg.rules.limits[LIM_6_SINGLE_DRIVE], 46000);

	ck_assert_str_eq(cfg.platform.url, "https://platform.example.org/base");
	ck_assert_str_eq(cfg.platform.ca_file, "/etc/weighgate/platform-ca.pem");
	ck_assert_str_eq(cfg.platform.cert_file, "/etc/weighgate/client.pem");
	ck_assert_str_eq(cfg.platform.key_file, "");
	ck_assert_str_eq(cfg.platform.token_file, "");
	ck_assert_ptr_nonnull(strstr(cfg.platform.pinned_pubkey,
	    "=;sha256//BBB"));
	ck_assert_int_eq(cfg.platform.batch_max, 500);
	ck_assert_int_eq(cfg.platform.batch_wait_ms, 250);
	ck_assert_int_eq(cfg.platform.list_poll_s, 30);
	ck_assert_int_eq(cfg.platform.retry_min_ms, 500);
	ck_assert_int_eq(cfg.platform.retry_max_ms, 60000);

	ck_assert_int_eq(cfg.n_lanes, 2);
	l = &cfg.lanes[0];
	ck_assert_str_eq(l->name, "L01");
	ck_assert_int_eq(l->line, 36);
	ck_assert_int_eq(l->dev[ROLE_SCALE].addr.type, DEV_TCP);
	ck_assert_str_eq(l->dev[ROLE_SCALE].addr.host, "192.168.10.21");
	ck_assert_int_eq(l->dev[ROLE_SCALE].addr.port, 502);
	ck_assert_int_eq(l->dev[ROLE_SCALE].addr.unit, 1);
	ck_assert_str_eq(l->dev[ROLE_IO].addr.host, "io-l01.station.local");
	ck_assert_int_eq(l->dev[ROLE_IO].addr.port, 1502);
	ck_assert_int_eq(l->dev[ROLE_IO].addr.unit, 0);
	ck_assert_int_eq(l->dev[ROLE_LED].addr.type, DEV_RTU);
	ck_assert_str_eq(l->dev[ROLE_LED].addr.device, "/dev/ttyS1");
	ck_assert_int_eq(l->dev[ROLE_LED].addr.baud, 9600);
	ck_assert_int_eq(l->dev[ROLE_LED].addr.parity, 'E');
	ck_assert_int_eq(l->dev[ROLE_LED].addr.data_bits, 7);
	ck_assert_int_eq(l->dev[ROLE_LED].addr.stop_bits, 2);
	ck_assert_int_eq(l->dev[ROLE_LED].addr.unit, 3);
	ck_assert_int_eq(l->poll_ms, 20);
	ck_assert_int_eq(l->timeout_ms, 200);
	ck_assert_int_eq(l->fault_after_ms, 400);
	ck_assert_int_eq(l->pass_timeout_s, 90);
	ck_assert_int_eq(l->barrier_timeout_ms, 5000);
	ck_assert_int_eq(l->scale_base, 100);
	ck_assert_int_eq(l->word_order, WO_CDAB);
	ck_assert_int_eq(l->plate_encoding, ENC_UTF8);
	ck_assert_int_eq(l->io_coil_base, 16);
	ck_assert_int_eq(l->io_input_base, 32);
	ck_assert_int_eq(l->barrier_mode, BARRIER_PULSE);
	ck_assert_int_eq(l->led_base, 200);
	ck_assert_int_eq(l->led_registers, 64);
	ck_assert_int_eq(l->led_encoding, ENC_UTF8);
	ck_assert_str_eq(l->led_text[LED_IDLE], "欢迎 Welcome");
	ck_assert_str_eq(l->led_text[LED_PASS], "{plate} {gross_t}t OK;no-comment");
	ck_assert_str_eq(l->led_text[LED_TURNBACK],
	    "{plate} 超限{over_t}吨 ({over_pct}%) 限{limit_t}吨 {axles}轴");
	ck_assert_str_eq(l->led_text[LED_INTERCEPT], "{plate} 请停车");
	ck_assert_str_eq(l->led_text[LED_RETRY], "请重新称重");
	ck_assert_str_eq(l->led_text[LED_HOLD], "请等待");
	ck_assert_str_eq(l->led_text[LED_FAULT], "故障");

	/* the second lane: RTU defaults, and every lane default */
	l2 = &cfg.lanes[1];
	ck_assert_str_eq(l2->name, "Lane_2-B");
	ck_assert_int_eq(l2->dev[ROLE_SCALE].addr.type, DEV_RTU);
	ck_assert_str_eq(l2->dev[ROLE_SCALE].addr.device, "/dev/ttyUSB0");
	ck_assert_int_eq(l2->dev[ROLE_SCALE].addr.baud, 115200);
	ck_assert_int_eq(l2->dev[ROLE_SCALE].addr.parity, 'N');
	ck_assert_int_eq(l2->dev[ROLE_SCALE].addr.data_bits, 8);
	ck_assert_int_eq(l2->dev[ROLE_SCALE].addr.stop_bits, 1);
	ck_assert_int_eq(l2->dev[ROLE_LED].addr.unit, 247);
	ck_assert_int_eq(l2->poll_ms, 50);
	ck_assert_int_eq(l2->timeout_ms, 300);
	ck_assert_int_eq(l2->fault_after_ms, 1000);
	ck_assert_int_eq(l2->pass_timeout_s, 60);
	ck_assert_int_eq(l2->barrier_timeout_ms, 3000);
	ck_assert_int_eq(l2->min_result_interval_ms, 1000);
	ck_assert_int_eq(l2->reset_settle_ms, 5000);
	ck_assert_int_eq(l2->scale_base, 0);
	ck_assert_int_eq(l2->word_order, WO_ABCD);
	ck_assert_int_eq(l2->plate_encoding, ENC_GB18030);
	ck_assert_int_eq(l2->io_coil_base, 0);
	ck_assert_int_eq(l2->io_input_base, 0);
	ck_assert_int_eq(l2->barrier_mode, BARRIER_LEVEL);
	ck_assert_int_eq(l2->led_base, 0);
	ck_assert_int_eq(l2->led_registers, 32);
	ck_assert_int_eq(l2->led_encoding, ENC_GB18030);
	ck_assert_str_eq(l2->led_text[LED_IDLE], "货车请减速 缓慢通过称重区");
	ck_assert_str_eq(l2->led_text[LED_PASS], "{plate} 总重{gross_t}吨 请通行");
	ck_assert_str_eq(l2->led_text[LED_TURNBACK],
	    "{plate} 超限{over_t}吨 禁止驶入 请驶离");
	ck_assert_str_eq(l2->led_text[LED_INTERCEPT],
	    "{plate} 请靠边停车 接受检查");
	ck_assert_str_eq(l2->led_text[LED_RETRY], "称重无效 请倒车重新称重");
	ck_assert_str_eq(l2->led_text[LED_HOLD], "请联系工作人员");
	ck_assert_str_eq(l2->led_text[LED_FAULT], "称重设备故障 请走其他车道");
}
END_TEST

/* A [rules]/[limits]-only file is a replay configuration, not a daemon's. */
START_TEST(test_rules_only)
{
	static const int limits[LIM_NROWS] = {
		18500, 25500, 27500, 31500, 36500, 43500, 49500, 46500
	};
	struct config cfg;
	char path[1024];
	int i;

	fixture_path(path, sizeof(path), "good_rules_only.conf");
	ck_assert_msg(cfg_load(path, CFG_RULES, &cfg, errbuf, sizeof(errbuf))
	    == 0, "%s", errbuf);
	ck_assert_int_eq(cfg.rules.scale_class_x100, 500);
	ck_assert_int_eq(cfg.rules.tolerance_pct_x100, -1);
	ck_assert_int_eq(cfg.rules.tolerance_kg, 500);
	ck_assert_int_eq(cfg.rules.max_speed_kmh, 20);
	ck_assert_int_eq(cfg.rules.axle_sum_tolerance_pct, 8);
	ck_assert_int_eq(cfg.rules.min_gross_kg, 2000);
	ck_assert_int_eq(cfg.rules.max_gross_kg, 150000);
	ck_assert_int_eq(cfg.rules.max_retries, 3);
	ck_assert_int_eq(cfg.rules.on_scale_fault, ON_FAULT_OPEN);
	ck_assert(cfg.rules.overrides);
	for (i = 0; i < LIM_NROWS; i++)
		ck_assert_int_eq(cfg.rules.limits[i], limits[i]);
	ck_assert_int_eq(cfg.n_lanes, 0);
	ck_assert_int_eq(cfg_load(path, CFG_DAEMON, &cfg, errbuf,
	    sizeof(errbuf)), -1);
	assert_error(path, 0, "[controller] id: required");
}
END_TEST

/* A BOM and CRLF line ends are read as plain lines. */
START_TEST(test_crlf_bom)
{
	struct config cfg;
	char path[1024];

	fixture_path(path, sizeof(path), "good_crlf_bom.conf");
	ck_assert_msg(cfg_load(path, CFG_RULES, &cfg, errbuf, sizeof(errbuf))
	    == 0, "%s", errbuf);
	ck_assert_int_eq(cfg.rules.max_retries, 4);
	ck_assert_int_eq(cfg.lanes[0].poll_ms, 40);
	ck_assert_int_eq(cfg.lanes[0].line, 4);
}
END_TEST

/* An empty file is the defaults, for replay. */
START_TEST(test_defaults)
{
	char dir[64], path[128];
	struct config cfg, def;
	struct rules r;

	cu_mkdtemp(dir, sizeof(dir));
	ck_assert_int_eq(load_text(dir, "", CFG_RULES, &cfg, path,
	    sizeof(path)), 0);
	cfg_defaults(&def);
	rules_defaults(&r);
	ck_assert(rules_eq(&cfg.rules, &r));
	ck_assert(rules_eq(&def.rules, &r));
	/* the defaults of docs/design.md §3 and §5 */
	ck_assert_int_eq(r.scale_class_x100, 200);
	ck_assert_int_eq(r.tolerance_pct_x100, -1);
	ck_assert_int_eq(r.max_speed_kmh, 15);
	ck_assert_int_eq(r.limits[LIM_6], 49000);
	ck_assert_str_eq(cfg.controller.status_listen, "127.0.0.1:8750");
	ck_assert_int_eq(cfg.controller.retention_days, 90);
	ck_assert_int_eq(cfg.controller.db_max_mb, 0);
	ck_assert_int_eq(cfg.controller.disk_min_free_mb, 200);
	ck_assert_int_eq(cfg.controller.status_max_connections, 128);
	ck_assert_int_eq(cfg.platform.batch_max, 200);
	ck_assert_int_eq(cfg.platform.batch_wait_ms, 1000);
	ck_assert_int_eq(cfg.platform.list_poll_s, 60);
	ck_assert_int_eq(cfg.platform.retry_min_ms, 1000);
	ck_assert_int_eq(cfg.platform.retry_max_ms, 300000);
	ck_assert_int_eq(cfg.platform.request_timeout_s, 120);
	ck_assert_int_eq(def.platform.retry_max_ms, 300000);
	ck_assert_int_eq(cfg.n_lanes, 0);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* conf/weighgate.conf loads, and every value it shows is the default. */
START_TEST(test_shipped_conf)
{
	struct config cfg, empty;
	char path[1024], dir[64], epath[128], tmpl[1200];
	struct rules r;
	int m;

	snprintf(path, sizeof(path), "%s/conf/weighgate.conf", root());
	ck_assert_msg(cfg_load(path, CFG_RULES, &cfg, errbuf, sizeof(errbuf))
	    == 0, "%s", errbuf);
	ck_assert_msg(cfg_load(path, CFG_DAEMON, &cfg, errbuf, sizeof(errbuf))
	    == 0, "%s", errbuf);
	rules_defaults(&r);
	ck_assert_msg(rules_eq(&cfg.rules, &r),
	    "conf/weighgate.conf [rules]/[limits] differ from the defaults");
	ck_assert_str_eq(cfg.controller.db, "/var/lib/weighgate/weighgate.db");
	ck_assert_int_eq(cfg.n_lanes, 1);
	ck_assert_str_eq(cfg.lanes[0].name, "L01");
	ck_assert_int_eq(cfg.lanes[0].dev[ROLE_LED].addr.type, DEV_RTU);

	/* the lane shown equals a lane with only its devices set */
	cu_mkdtemp(dir, sizeof(dir));
	ck_assert_int_eq(load_text(dir, "[lane L01]\n", CFG_RULES, &empty,
	    epath, sizeof(epath)), 0);
	empty.lanes[0].dev[ROLE_SCALE].addr = cfg.lanes[0].dev[ROLE_SCALE].addr;
	empty.lanes[0].dev[ROLE_IO].addr = cfg.lanes[0].dev[ROLE_IO].addr;
	empty.lanes[0].dev[ROLE_LED].addr = cfg.lanes[0].dev[ROLE_LED].addr;
	empty.lanes[0].line = cfg.lanes[0].line;
	for (m = 0; m < LED_NMSG; m++) {
		snprintf(tmpl, sizeof(tmpl), "%s", cfg.lanes[0].led_text[m]);
		ck_assert_str_eq(tmpl, empty.lanes[0].led_text[m]);
	}
	ck_assert(memcmp(&empty.lanes[0], &cfg.lanes[0],
	    sizeof(struct lane_cfg)) == 0);
	ck_assert_int_eq(empty.controller.retention_days,
	    cfg.controller.retention_days);
	ck_assert_int_eq(empty.platform.batch_max, cfg.platform.batch_max);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

/* conf/weighgate.conf shows every key of every section, in its section. */
START_TEST(test_conf_documents_every_key)
{
	static const char *const keys[] = {
		"[controller]", "id", "db", "status_listen", "override_token_file",
		"status_max_connections",
		"retention_days", "db_max_mb", "disk_min_free_mb", "profile_dir",
		"[rules]", "scale_class", "tolerance_pct", "tolerance_kg",
		"max_speed_kmh", "axle_sum_tolerance_pct", "min_gross_kg",
		"max_gross_kg", "max_retries", "on_scale_fault", "overrides",
		"[limits]", "2", "3.rigid", "3.combination", "4.rigid",
		"4.combination", "5", "6", "6.single_drive",
		"[platform]", "url", "ca_file", "cert_file", "key_file",
		"token_file", "pinned_pubkey", "batch_max", "batch_wait_ms",
		"list_poll_s", "retry_min_ms", "retry_max_ms",
		"[lane L01]", "scale", "io", "led", "poll_ms", "timeout_ms",
		"fault_after_ms", "pass_timeout_s", "barrier_timeout_ms",
		"min_result_interval_ms", "reset_settle_ms",
		"scale_profile", "io_profile", "led_profile",
		"scale_base", "word_order", "plate_encoding", "io_coil_base",
		"io_input_base", "barrier_mode", "led_base", "led_registers",
		"led_encoding", "led_idle", "led_pass", "led_turnback",
		"led_intercept", "led_retry", "led_hold", "led_fault",
	};
	char path[1024], text[65536], pat[128];
	const char *sect = NULL, *next = NULL, *hit;
	size_t i, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/conf/weighgate.conf", root());
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (keys[i][0] == '[') {
			snprintf(pat, sizeof(pat), "\n%s\n", keys[i]);
			ck_assert_msg((sect = strstr(text, pat)) != NULL,
			    "no %s section", keys[i]);
			next = strstr(sect + 1, "\n[");
			continue;
		}
		snprintf(pat, sizeof(pat), "\n%s = ", keys[i]);
		hit = strstr(sect, pat);
		if (hit == NULL) {
			snprintf(pat, sizeof(pat), "\n; %s = ", keys[i]);
			hit = strstr(sect, pat);
		}
		ck_assert_msg(hit != NULL && (next == NULL || hit < next),
		    "conf/weighgate.conf does not show %s in its section",
		    keys[i]);
	}
}
END_TEST

START_TEST(test_demo_conf)
{
	struct config cfg;
	char path[1024];

	snprintf(path, sizeof(path), "%s/conf/demo/weighgate.conf", root());
	ck_assert_msg(cfg_load(path, CFG_DAEMON, &cfg, errbuf, sizeof(errbuf))
	    == 0, "%s", errbuf);
	ck_assert_str_eq(cfg.controller.db, "build/demo/weighgate.db");
	ck_assert_str_eq(cfg.platform.url, "https://127.0.0.1:18443");
	ck_assert_str_eq(cfg.platform.ca_file, "build/demo/ca.pem");
	ck_assert_int_eq(cfg.n_lanes, 1);
	ck_assert_str_eq(cfg.lanes[0].dev[ROLE_SCALE].addr.host, "127.0.0.1");
	ck_assert_int_eq(cfg.lanes[0].dev[ROLE_SCALE].addr.port, 15020);
	ck_assert_int_eq(cfg.lanes[0].dev[ROLE_SCALE].addr.unit, 1);
	ck_assert_int_eq(cfg.lanes[0].dev[ROLE_IO].addr.unit, 2);
	ck_assert_int_eq(cfg.lanes[0].dev[ROLE_LED].addr.unit, 3);
	ck_assert(devaddr_same_link(&cfg.lanes[0].dev[ROLE_SCALE].addr, &cfg.lanes[0].dev[ROLE_LED].addr));
}
END_TEST

/* --- hash -------------------------------------------------------------- */

START_TEST(test_hash)
{
	static const char base[] = "[rules]\nmax_retries = 2\n[lane L01]\n"
	    "poll_ms = 50\n";
	char dir[64], path[128], h1[65], h2[65], h3[65];
	struct config cfg;
	size_t i;

	cu_mkdtemp(dir, sizeof(dir));
	ck_assert_int_eq(load_text(dir, base, CFG_RULES, &cfg, path,
	    sizeof(path)), 0);
	cfg_hash(&cfg, h1);
	ck_assert_uint_eq(strlen(h1), 64);
	for (i = 0; i < 64; i++)
		ck_assert(strchr("0123456789abcdef", h1[i]) != NULL);
	/* comments, spacing, case of words and defaults written out: same */
	ck_assert_int_eq(load_text(dir, "; c\n[rules]\n  max_retries=2 ; x\n"
	    "on_scale_fault = CLOSED\n[lane L01]\npoll_ms = 050\n"
	    "word_order = abcd\n", CFG_RULES, &cfg, path, sizeof(path)), 0);
	cfg_hash(&cfg, h2);
	ck_assert_str_eq(h1, h2);
	/* one value changed: different */
	ck_assert_int_eq(load_text(dir, "[rules]\nmax_retries = 2\n[lane L01]\n"
	    "poll_ms = 51\n", CFG_RULES, &cfg, path, sizeof(path)), 0);
	cfg_hash(&cfg, h3);
	ck_assert_str_ne(h1, h3);
	ck_assert_int_eq(load_text(dir, "[rules]\nmax_retries = 2\n[lane L01]\n"
	    "poll_ms = 50\nled_hold = x\n", CFG_RULES, &cfg, path,
	    sizeof(path)), 0);
	cfg_hash(&cfg, h3);
	ck_assert_str_ne(h1, h3);
	ck_assert_int_eq(load_text(dir, "[rules]\nmax_retries = 2\n[lane L02]\n"
	    "poll_ms = 50\n", CFG_RULES, &cfg, path, sizeof(path)), 0);
	cfg_hash(&cfg, h3);
	ck_assert_str_ne(h1, h3);
	ck_assert_int_eq(load_text(dir, "[rules]\nmax_retries = 2\n"
	    "tolerance_pct = 2\n[lane L01]\npoll_ms = 50\n", CFG_RULES, &cfg,
	    path, sizeof(path)), 0);
	cfg_hash(&cfg, h3);
	ck_assert_str_ne(h1, h3);
	ck_assert_int_eq(cu_rmtree(dir), 0);
}
END_TEST

START_TEST(test_led_msg_key)
{
	ck_assert_str_eq(cfg_led_msg_key(LED_IDLE), "led_idle");
	ck_assert_str_eq(cfg_led_msg_key(LED_PASS), "led_pass");
	ck_assert_str_eq(cfg_led_msg_key(LED_TURNBACK), "led_turnback");
	ck_assert_str_eq(cfg_led_msg_key(LED_INTERCEPT), "led_intercept");
	ck_assert_str_eq(cfg_led_msg_key(LED_RETRY), "led_retry");
	ck_assert_str_eq(cfg_led_msg_key(LED_HOLD), "led_hold");
	ck_assert_str_eq(cfg_led_msg_key(LED_FAULT), "led_fault");
}
END_TEST

/* --- device addresses -------------------------------------------------- */

START_TEST(test_devaddr_good)
{
	struct devaddr a, b;
	char err[256], text[600];

	ck_assert_int_eq(devaddr_parse("tcp://10.0.0.5:502?unit=0", &a, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(a.type, DEV_TCP);
	ck_assert_str_eq(a.host, "10.0.0.5");
	ck_assert_int_eq(a.port, 502);
	ck_assert_int_eq(a.unit, 0);
	ck_assert_int_eq(devaddr_parse("tcp://scale-1.lan:65535?unit=247", &b,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(b.port, 65535);
	ck_assert_int_eq(b.unit, 247);
	ck_assert(!devaddr_same_link(&a, &b));
	ck_assert_int_eq(devaddr_parse("tcp://10.0.0.5:502?unit=9", &b, err,
	    sizeof(err)), 0);
	ck_assert(devaddr_same_link(&a, &b));
	ck_assert_int_eq(devaddr_parse("tcp://10.0.0.5:1?unit=9", &b, err,
	    sizeof(err)), 0);
	ck_assert(!devaddr_same_link(&a, &b));

	ck_assert_int_eq(devaddr_parse("rtu:/dev/ttyS1?unit=3&stop=2&data=5&"
	    "parity=O&baud=1200", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.type, DEV_RTU);
	ck_assert_str_eq(a.device, "/dev/ttyS1");
	ck_assert_int_eq(a.baud, 1200);
	ck_assert_int_eq(a.parity, 'O');
	ck_assert_int_eq(a.data_bits, 5);
	ck_assert_int_eq(a.stop_bits, 2);
	ck_assert_int_eq(a.unit, 3);
	devaddr_format(&a, text, sizeof(text));
	ck_assert_str_eq(text, "rtu:/dev/ttyS1?baud=1200&parity=O&data=5&stop=2"
	    "&unit=3");
	ck_assert_int_eq(devaddr_parse("rtu:/dev/ttyS1?baud=115200&unit=4", &b,
	    err, sizeof(err)), 0);
	ck_assert(devaddr_same_link(&a, &b));
	ck_assert_int_eq(b.parity, 'N');
	ck_assert_int_eq(b.data_bits, 8);
	ck_assert_int_eq(b.stop_bits, 1);
	ck_assert_int_eq(devaddr_parse("rtu:/dev/ttyS2?baud=115200&unit=4", &b,
	    err, sizeof(err)), 0);
	ck_assert(!devaddr_same_link(&a, &b));
	devaddr_format(&(struct devaddr){ .type = DEV_NONE }, text, sizeof(text));
	ck_assert_str_eq(text, "none");
}
END_TEST

/* The forms a URL reader accepts too: [IPv6], any case of scheme, a "/". */
START_TEST(test_devaddr_url_forms)
{
	struct devaddr a, b;
	char err[256], text[600];

	ck_assert_msg(devaddr_parse("tcp://[::1]:502?unit=1", &a, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(a.type, DEV_TCP);
	ck_assert_str_eq(a.host, "::1");
	ck_assert_int_eq(a.port, 502);
	ck_assert_int_eq(a.unit, 1);
	devaddr_format(&a, text, sizeof(text));
	ck_assert_str_eq(text, "tcp://[::1]:502?unit=1");
	ck_assert_msg(devaddr_parse("TCP://10.0.0.5:502?unit=2", &a, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(a.host, "10.0.0.5");
	ck_assert_int_eq(a.unit, 2);
	ck_assert_msg(devaddr_parse("tcp://10.0.0.5:502/?unit=3", &b, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert(devaddr_same_link(&a, &b));
	devaddr_format(&b, text, sizeof(text));
	ck_assert_str_eq(text, "tcp://10.0.0.5:502?unit=3");
	ck_assert_msg(devaddr_parse("Tcp://Scale-1.LAN:0502/?unit=4", &a, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(a.host, "Scale-1.LAN");
	ck_assert_int_eq(a.port, 502);
	ck_assert_msg(devaddr_parse("tcp://[fe80::1%25eth0]:502?unit=1", &a,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(a.host, "fe80::1%eth0");
	ck_assert_msg(devaddr_parse("RTU:/dev/ttyS1?baud=9600&unit=1", &a, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(a.type, DEV_RTU);
}
END_TEST

START_TEST(test_devaddr_bad)
{
	static const struct { const char *s, *why; } bad_addrs[] = {
		{ "", "not a device address" },
		{ "tcp:/10.0.0.5:502?unit=1", "not a device address" },
		{ "udp://10.0.0.5:502?unit=1", "not a device address" },
		{ "tcp://10.0.0.5:502/x?unit=1", "unexpected path '/x'" },
		{ "tcp://10.0.0.5:502?unit=1#a", "no #fragment" },
		{ "tcp://op@10.0.0.5:502?unit=1", "no user name" },
		{ "tcp://[::1]?unit=1", "missing :PORT" },
		{ "tcp://[::g]:502?unit=1", "bad host" },
		{ "tcp://[1.2.3.4]:502?unit=1", "bad host" },
		{ "tcp://0x7f.1:502?unit=1", "bad host" },
		{ "tcp://10.0.0.5?unit=1", "missing :PORT" },
		{ "tcp://:502?unit=1", "bad host" },
		{ "tcp://10.0.0.5:0?unit=1", "port out of range" },
		{ "tcp://10.0.0.5:65536?unit=1", "port out of range" },
		{ "tcp://10.0.0.5:50x?unit=1", "port out of range" },
		{ "tcp://10.0.0.256:502?unit=1", "bad host" },
		{ "tcp://10.0.0:502?unit=1", "bad host" },
		{ "tcp://10.0.0.5.6:502?unit=1", "bad host" },
		{ "tcp://bad_host:502?unit=1", "bad host" },
		{ "tcp://10.0.0.5:502", "missing ?unit=N" },
		{ "tcp://10.0.0.5:502?", "missing ?unit=N" },
		{ "tcp://10.0.0.5:502?unit=", "has no value" },
		{ "tcp://10.0.0.5:502?unit", "has no value" },
		{ "tcp://10.0.0.5:502?unit=-1", "unit out of range 0-255" },
		{ "tcp://10.0.0.5:502?unit=256", "unit out of range 0-255" },
		{ "rtu:/dev/ttyS1?baud=9600&unit=0", "out of range 1-247 on RTU" },
		{ "rtu:/dev/ttyS1?baud=9600&unit=248", "out of range 1-247 on RTU" },
		{ "tcp://10.0.0.5:502?unit=1x", "unit out of range" },
		{ "tcp://10.0.0.5:502?unit=1&unit=2", "duplicate parameter 'unit'" },
		{ "tcp://10.0.0.5:502?unit=1&&", "empty parameter" },
		{ "tcp://10.0.0.5:502?unit=1&slave=2", "unknown parameter 'slave'" },
		{ "tcp://10.0.0.5:502?unit=1&parity=N", "unknown parameter 'parity'" },
		{ "rtu:/dev/ttyS1?unit=1", "missing baud=B" },
		{ "rtu:/dev/ttyS1?baud=9600", "missing unit=N" },
		{ "rtu:/dev/ttyS1", "missing ?unit=N" },
		{ "rtu:dev/ttyS1?baud=9600&unit=1", "absolute path" },
		{ "rtu:?baud=9600&unit=1", "absolute path" },
		{ "rtu:/dev/ttyS1?baud=14400&unit=1", "baud must be one of" },
		{ "rtu:/dev/ttyS1?baud=9600&parity=X&unit=1", "parity must be N, E or O" },
		{ "rtu:/dev/ttyS1?baud=9600&parity=n&unit=1", "parity must be" },
		{ "rtu:/dev/ttyS1?baud=9600&data=4&unit=1", "data out of range 5-8" },
		{ "rtu:/dev/ttyS1?baud=9600&data=9&unit=1", "data out of range 5-8" },
		{ "rtu:/dev/ttyS1?baud=9600&stop=3&unit=1", "stop must be 1 or 2" },
		{ "rtu:/dev/ttyS1?baud=9600&stop=0&unit=1", "stop must be 1 or 2" },
		{ "rtu:/dev/ttyS1?baud=9600&baud=9600&unit=1", "duplicate parameter 'baud'" },
		{ "rtu:/dev/ttyS1?baud=9600&unit=1&speed=3", "unknown parameter 'speed'" },
	};
	struct devaddr a;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(devaddr_parse(bad_addrs[i].s, &a, err,
		    sizeof(err)) == -1, "'%s' accepted", bad_addrs[i].s);
		ck_assert_msg(strstr(err, bad_addrs[i].why) != NULL,
		    "'%s': '%s' does not say '%s'", bad_addrs[i].s, err,
		    bad_addrs[i].why);
		ck_assert_int_eq(a.type, DEV_NONE);
	}
}
END_TEST

/* A scratch configuration of one lane whose [lane] ends with extra. */
static void
profile_conf(const char *dir, const char *extra, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/wg.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "[controller]\nid = T\ndb = %s/x.db\nprofile_dir = %s\n"
	    "[lane L01]\nscale = tcp://127.0.0.1:1502?unit=1\n"
	    "io = tcp://127.0.0.1:1502?unit=2\n"
	    "led = tcp://127.0.0.1:1502?unit=3\n%s", dir, dir, extra);
	fclose(f);
}

START_TEST(test_profile_keys)
{
	char dir[512], path[600], prof[600], extra[1400];
	static struct config cfg;
	FILE *f;

	cu_mkdtemp(dir, sizeof(dir));
	/* defaults: no key, the built-in maps, profile_dir as documented */
	profile_conf(dir, "", path, sizeof(path));
	ck_assert_int_eq(cfg_load(path, CFG_DAEMON, &cfg, errbuf, sizeof(errbuf)), 0);
	ck_assert_str_eq(cfg.lanes[0].profile[ROLE_SCALE], "");
	cfg_defaults(&cfg);
	ck_assert_str_eq(cfg.controller.profile_dir, "/etc/weighgate/profiles");
	/* a name in profile_dir, a path, a built-in name */
	snprintf(prof, sizeof(prof), "%s/myscale.profile", dir);
	ck_assert_ptr_nonnull(f = fopen(prof, "w"));
	fputs("[device]\nname = myscale\n[field valid]\naddress = 0\n"
	    "type = bit\nbit = 0\n[field seq]\naddress = 1\n", f);
	fclose(f);
	snprintf(extra, sizeof(extra), "scale_profile = myscale\n"
	    "io_profile = weighgate-io\nled_profile = %s/profiles/"
	    "embeddedart-led.profile\n", root());
	profile_conf(dir, extra, path, sizeof(path));
	ck_assert_msg(cfg_load(path, CFG_CHECK, &cfg, errbuf, sizeof(errbuf)) == 0,
	    "%s", errbuf);
	ck_assert_str_eq(cfg.lanes[0].profile[ROLE_SCALE], "myscale");
	ck_assert_str_eq(cfg.lanes[0].profile[ROLE_IO], "weighgate-io");
	/* the file goes bad: refused with its FILE:LINE, cfg as it was */
	ck_assert_ptr_nonnull(f = fopen(prof, "w"));
	fputs("[device]\nname = myscale\n[field weight]\naddress = 0\n", f);
	fclose(f);
	ck_assert_int_eq(cfg_load(path, CFG_DAEMON, &cfg, errbuf, sizeof(errbuf)), -1);
	snprintf(extra, sizeof(extra), "%s:3: [field weight]: unknown field",
	    prof);
	ck_assert_msg(strncmp(errbuf, extra, strlen(extra)) == 0, "%s", errbuf);
	snprintf(extra, sizeof(extra), "(scale_profile of [lane L01], %s:9)",
	    path);
	ck_assert_msg(strstr(errbuf, extra) != NULL, "%s", errbuf);
	ck_assert_str_eq(cfg.lanes[0].profile[ROLE_SCALE], "myscale");
	/* the wrong kind, named at the key's line */
	profile_conf(dir, "\nled_profile = weighgate\n", path, sizeof(path));
	ck_assert_int_eq(cfg_load(path, CFG_CHECK, &cfg, errbuf, sizeof(errbuf)), -1);
	snprintf(extra, sizeof(extra), "%s:10: [lane L01] led_profile: profile "
	    "weighgate is a scale profile, not a led one", path);
	ck_assert_str_eq(errbuf, extra);
	/* replay (rules only) does not load profiles */
	profile_conf(dir, "scale_profile = nowhere\n", path, sizeof(path));
	ck_assert_int_eq(cfg_load(path, CFG_RULES, &cfg, errbuf, sizeof(errbuf)), 0);
	ck_assert_int_eq(cfg_load(path, CFG_DAEMON, &cfg, errbuf, sizeof(errbuf)), -1);
	ck_assert_ptr_nonnull(strstr(errbuf, "profile nowhere: no readable "));
	cu_rmtree(dir);
}
END_TEST

START_TEST(test_devaddr_units)
{
	struct devaddr a;
	char e[256];

	ck_assert_int_eq(devaddr_parse("tcp://10.0.0.5:502?unit=255", &a, e,
	    sizeof(e)), 0);
	ck_assert_int_eq(a.unit, 255);
	ck_assert_int_eq(devaddr_parse("rtu:/dev/ttyS1?baud=9600&unit=247", &a,
	    e, sizeof(e)), 0);
	ck_assert_int_eq(devaddr_parse("rtu:/dev/ttyS1?baud=9600&unit=1", &a,
	    e, sizeof(e)), 0);
}
END_TEST

CU_SUITE("config")
{
	TCase *tc;

	tc = cu_tcase_new(s, "bad", 30, NULL, NULL);
	tcase_add_loop_test(tc, test_bad_fixture, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	cu_tests(tc, test_daemon_only_checks, test_missing_file,
	    test_failure_keeps_cfg, test_lane_names, test_line_length,
	    test_token_file_mode, test_overrides_on, test_check_named_files,
	    test_unknown_key_hint, test_camera_auth);

	tc = cu_tcase_new(s, "values", 30, NULL, NULL);
	tcase_add_loop_test(tc, test_range, 0,
	    (int)(sizeof(ranges) / sizeof(ranges[0])));
	cu_tests(tc, test_scale_class, test_tolerance_pct, test_enums);

	cu_tcase(s, "good", 30, NULL, NULL, test_good_full, test_rules_only,
	    test_crlf_bom, test_defaults, test_sixteen_lanes, test_shipped_conf,
	    test_conf_documents_every_key, test_demo_conf, test_hash,
	    test_led_msg_key);
	cu_tcase(s, "devaddr", 30, NULL, NULL, test_devaddr_good,
	    test_devaddr_bad, test_devaddr_url_forms, test_devaddr_units);
	cu_tcase(s, "profiles", 30, NULL, NULL, test_profile_keys);
}
