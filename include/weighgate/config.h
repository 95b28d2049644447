/* The configuration file of docs/design.md §3, parsed by libinih into one struct. */
#ifndef WEIGHGATE_CONFIG_H
#define WEIGHGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weighgate/decode.h"
#include "weighgate/devaddr.h"
#include "weighgate/rules.h"

#define CFG_MAX_LANES 16
#define CFG_PATH_MAX 512
#define CFG_TEXT_MAX 512	/* an LED template, UTF-8 */
#define CFG_EX_CONFIG 78	/* sysexits EX_CONFIG */

enum barrier_mode { BARRIER_LEVEL, BARRIER_PULSE };

enum led_msg {
	LED_IDLE, LED_PASS, LED_TURNBACK, LED_INTERCEPT, LED_RETRY, LED_HOLD,
	LED_FAULT, LED_WEIGHING, LED_NMSG
};

/*
 * Where a lane's plate comes from: the scale's registers (or profile
 * fields), or the lane camera's pushes paired with the weighing by receive
 * time (docs/lane.md "Pairing a camera's plate with a weighing").
 */
enum plate_source { PLATE_FROM_SCALE, PLATE_FROM_CAMERA };

/*
 * A lane's devices by role: one enum everywhere (configuration, reload,
 * lane, daemon, simulator), one name table (cfg_role_names).  The first
 * ROLE_NMODBUS roles are the Modbus devices: each has an address in
 * [lane] (the key is its name), a link and a poll.  The barrier is a
 * device of the lane for health only (it faults when the I/O module's
 * inputs disagree with its command): it has a role, so that the lane's
 * per-device health and the status server index it like the others, but
 * no address, no link and no lane_dev_cfg.
 */
enum dev_role {
	ROLE_SCALE, ROLE_IO, ROLE_LED, ROLE_BARRIER,
	ROLE_CAMERA,		/* the lane camera (plate_source = camera) */
	ROLE_N
};
#define ROLE_NMODBUS ROLE_BARRIER

/* "scale", "io", "led", "barrier", "camera": config keys, logs and event bodies. */
extern const char *const cfg_role_names[ROLE_N];
const char *cfg_role_name(enum dev_role r);	/* "?" out of range */

/* One Modbus device of a lane (a role below ROLE_NMODBUS). */
struct lane_dev_cfg {
	struct devaddr addr;		/* [lane] scale / io / led */
};

struct lane_cfg {
	char name[16];
	int line;			/* line of the [lane NAME] header */
	struct lane_dev_cfg dev[ROLE_NMODBUS];
	int poll_ms;
	int timeout_ms;
	int fault_after_ms;
	int pass_timeout_s;
	int barrier_timeout_ms;
	int min_result_interval_ms;	/* sooner: implausible (docs/lane.md) */
	int reset_settle_ms;		/* a step back becomes the reference */
	int scale_base;
	enum word_order word_order;
	enum text_encoding plate_encoding;
	int io_coil_base;
	int io_input_base;
	enum barrier_mode barrier_mode;
	int led_base;
	int led_registers;
	enum text_encoding led_encoding;
	enum plate_source plate_source;	/* plate_source = scale | camera */
	int plate_before_ms;		/* a read this long before the result */
	int plate_wait_ms;		/* or this long after it pairs */
	char led_text[LED_NMSG][CFG_TEXT_MAX];	/* defaults of §4.3 unless set */
	/* scale_profile, io_profile, led_profile (docs/devices.md): a name
	 * in profile_dir, a built-in name or a path; "": the built-in one */
	char profile[ROLE_NMODBUS][CFG_PATH_MAX];
	int profile_line[ROLE_NMODBUS];	/* where set; 0: not set */
	/* which pushes of the camera listener are this lane's camera's */
	char camera_id[64];		/* deviceID / "camera"; "": any */
	char camera_channel[16];	/* channelID; "": any */
	char camera_source[128];	/* peer addresses; "": any allowed */
	int camera_silent_ms;		/* nothing heard this long: a fault */
};

struct config {
	char path[CFG_PATH_MAX];
	struct {
		char id[64];
		char db[CFG_PATH_MAX];
		char status_listen[128];
		char override_token_file[CFG_PATH_MAX];
		int status_max_connections;	/* status server, at once */
		int retention_days;
		int64_t db_max_mb;
		int64_t disk_min_free_mb;
		char profile_dir[CFG_PATH_MAX];	/* device profiles */
		/* the camera listener (docs/camera.md "The listener") */
		char camera_listen[128];	/* "": off */
		int camera_max_connections;
		int camera_timeout_s;
		char camera_allow[CFG_PATH_MAX];	/* addresses / prefixes */
		char camera_user[64];		/* "": no credentials asked */
		char camera_password_file[CFG_PATH_MAX];
		int camera_auth;		/* enum camera_auth */
		int camera_body_max_kb;
		int camera_part_max_kb;
		int camera_parts_max;
	} controller;
	struct rules rules;		/* [rules] and [limits] */
	struct {
		char url[CFG_PATH_MAX];
		char ca_file[CFG_PATH_MAX];
		char cert_file[CFG_PATH_MAX];
		char key_file[CFG_PATH_MAX];
		char token_file[CFG_PATH_MAX];
		char pinned_pubkey[CFG_PATH_MAX];
		int batch_max;
		int batch_wait_ms;
		int list_poll_s;
		int retry_min_ms;
		int retry_max_ms;
		int request_timeout_s;
	} platform;
	int n_lanes;
	struct lane_cfg lanes[CFG_MAX_LANES];
};

enum cfg_mode {
	CFG_DAEMON,	/* [controller] id and db and at least one lane required */
	CFG_RULES,	/* replay: only [rules]/[limits] needed, others still checked */
	CFG_CHECK	/* --check: CFG_DAEMON, and every file named exists and is
			   readable, with modes the daemon accepts */
};

/*
 * Load and check a configuration file.  Returns 0, or -1 with err holding
 * "FILE:LINE: message" (or "FILE: message" where no line applies).  cfg is
 * filled with defaults first, so a file may omit any key that has one; on
 * failure *cfg is left as it was (a reload can keep the old one).  Sets
 * libinih's global switches: call from one thread at a time.
 */
int cfg_load(const char *path, enum cfg_mode mode, struct config *cfg,
    char *err, size_t errlen);

/* Defaults only (what a missing key means). */
void cfg_defaults(struct config *cfg);

/* SHA-256 hex of the whole effective configuration (the startup event's hash). */
void cfg_hash(const struct config *cfg, char out[65]);

const char *cfg_led_msg_key(enum led_msg m);	/* "led_idle", ... */

#endif
