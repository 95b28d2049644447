/* weighgate-sim: the simulator's shared state, between its files only. */
#ifndef WEIGHGATE_SIM_H
#define WEIGHGATE_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <modbus.h>

#include "weighgate/config.h"
#include "weighgate/decode.h"
#include "weighgate/measurement.h"
#include "weighgate/profile.h"
#include "weighgate/sbuf.h"

#define SIM_MAX_LANES	16
#define SIM_LED_MAX	120


enum sim_behaviour { BEH_OBEY, BEH_FORCE, BEH_BLOCK, BEH_TAILGATE };

enum sim_fault_mode {
	FM_NONE, FM_TIMEOUT, FM_EXCEPTION, FM_DISCONNECT, FM_GARBAGE,
	FM_STUCK, FM_FAULT_BIT
};

enum sim_item_type { IT_VEHICLE, IT_MANUAL, IT_FAULT };

/* One line of the traffic file. */
struct sim_item {
	enum sim_item_type type;
	int lineno;
	int64_t after_ms;
	enum sim_behaviour behaviour;
	bool tailgate;			/* a tailgater follows this vehicle */
	int64_t block_ms;
	int64_t seq_skip;		/* results the scale counts but never shows */
	int64_t duration_ms;		/* manual and fault lines */
	enum dev_role dev;		/* fault lines */
	enum sim_fault_mode mode;
	struct measurement m;
	/* the camera for this vehicle (camera_* keys); unset: the options' */
	bool cam_has_offset;
	int64_t cam_offset_ms;
	int cam_mode;			/* enum sim_cam_mode; -1: --camera-mode */
	char cam_plate[MEAS_PLATE_MAX];	/* "": --camera-plate or the plate */
	char cam_second[MEAS_PLATE_MAX];	/* "": --camera-second */
};

struct sim_traffic {
	struct sim_item *items;
	size_t n, cap;
};

/* Where the vehicle of a lane is in its life. */
enum veh_phase {
	VP_GAP,		/* waiting for after_ms */
	VP_WEIGHING,	/* on the scale, result not yet published */
	VP_DECIDING,	/* result published, waiting for the barrier */
	VP_BLOCKING,	/* result published, staying put */
	VP_PASSING,	/* on the pass loop */
	VP_TAILGAP,	/* between a vehicle and its tailgater */
	VP_REVERSING,	/* reversing off the scale */
	VP_DONE		/* traffic over */
};

enum barrier_pos { BP_DOWN, BP_MOVING, BP_UP };

struct sim_fault {
	enum sim_fault_mode mode;
	int64_t until;
};

struct sim_lane {
	int no;				/* 1..16 */
	char name[8];			/* "L01" */
	modbus_mapping_t *map[3];	/* scale, io, led */
	uint16_t scale_truth[SCALE_NREGS];	/* without fault effects */
	uint16_t seq;
	uint8_t coil_seen[4];
	uint16_t led_counter_seen;
	/* barrier */
	enum barrier_pos bpos;
	bool btarget_up;
	int64_t bmove_end;
	int64_t manual_until;
	uint8_t in_up, in_down;		/* inputs as last reported */
	unsigned signals;		/* barrier rises and LED messages so far */
	unsigned signals_at_weigh;	/* ... when the current result was published */
	/* the vehicle */
	struct sim_item **q;		/* this lane's items, file order */
	size_t nq, next;
	struct sim_item *cur;
	enum veh_phase phase;
	int64_t phase_end;
	int passes_left;		/* 2 with a tailgater */
	struct sim_fault fault[ROLE_N];
	int64_t garbage_next;
	/* with device profiles (simprofile.c) */
	uint8_t io_in[4];		/* inputs: barrier up, down, pass, presence */
	uint16_t *pimg[2];		/* scale's and I/O module's read images */
	bool enc_warned;
};

struct sim_opts {
	const char *listen;
	const char *rtu;
	int baud;
	int nlanes;
	bool port_per_lane;
	const char *timeline;
	enum word_order wo;
	enum text_encoding plate_enc, led_enc;
	int led_regs;
	double speedup;
	int64_t barrier_ms, weigh_ms, decide_ms, pass_ms, reverse_ms;
	bool pulse;			/* barrier_mode pulse */
	bool hold;			/* traffic waits for SIGUSR1 */
	const char *traffic;
	const char *profile[3];		/* --scale-profile ...; NULL: today's */
	const char *profile_dir;
	/* the lanes' cameras (camera.c); camera_url NULL: none */
	const char *camera_url, *camera_user, *camera_second;
	const char *camera_plate;	/* read instead of the vehicle's */
	int camera_format;		/* enum sim_cam_format */
	int camera_mode;		/* enum sim_cam_mode */
	int64_t camera_offset_ms, camera_heartbeat_ms;
};

/* A listening TCP port (or the RTU bus) and the lanes behind it. */
struct sim_port {
	struct sim *sim;
	int index;			/* 0, or lane-1 with --port-per-lane */
	int port;
	modbus_t *ctx;
	int listen_fd;
	int clients[64];
	int nclients;
	bool started;
	pthread_t thr;
};

/* A device's profile, when one was asked for. */
struct sim_prof {
	profile_t *p;			/* NULL: today's layout */
	int ext[4];			/* table sizes, enum profile_table order */
	int nimg;			/* registers (bits) all its reads carry */
};

struct sim {
	struct sim_opts o;
	struct sim_prof prof[3];	/* scale, io, led */
	profile_t *truth_prof;		/* built-in scale: decodes the truth */
	pthread_mutex_t mu;		/* everything below and the mappings */
	struct sim_lane lanes[SIM_MAX_LANES];
	int nlanes;
	struct sim_port ports[SIM_MAX_LANES];
	int nports;
	FILE *tl;
	struct sbuf tlbuf;
	uint64_t rng;
	volatile int stop;
	struct sim_traffic traffic;
	struct sim_camera *cam;		/* camera.c; NULL: no --camera */
};

/* traffic.c */
/* 0, 65 for a bad line, 66 for a file that cannot be read (sysexits) */
int traffic_load(const char *path, struct sim_traffic *t, int *maxlane);
void traffic_free(struct sim_traffic *t);
const char *sim_mode_name(enum sim_fault_mode m);

/* lane.c: the physics, called with sim->mu held */
int simlane_init(struct sim *s, struct sim_lane *l, int no);
void simlane_fini(struct sim_lane *l);
void simlane_start(struct sim *s, struct sim_lane *l, int64_t now);
void simlane_tick(struct sim *s, struct sim_lane *l, int64_t now);
void simlane_written(struct sim *s, struct sim_lane *l, enum dev_role d,
    int64_t now);
enum sim_fault_mode simlane_fault(struct sim_lane *l, enum dev_role d,
    int64_t now);

/* timeline.c, called with sim->mu held */
int timeline_open(struct sim *s, const char *path);
void timeline_close(struct sim *s);
struct sbuf *timeline_begin(struct sim *s, const struct sim_lane *l,
    const char *what);
void timeline_end(struct sim *s);

/* simprofile.c; the sync and output functions with sim->mu held */
int simprof_load(struct sim *s);
void simprof_free(struct sim *s);
modbus_mapping_t *simprof_mapping(const struct sim *s, enum dev_role d);
int simprof_lane_init(const struct sim *s, struct sim_lane *l);
void simprof_scale_sync(struct sim *s, struct sim_lane *l,
    const uint16_t truth[SCALE_NREGS], bool garbage, int64_t now);
void simprof_io_sync(struct sim *s, struct sim_lane *l);
void simprof_outputs(const struct sim *s, const struct sim_lane *l,
    uint8_t c[4]);

/* server.c */
int server_open(struct sim *s);
int server_start(struct sim *s);
void server_stop(struct sim *s);

/* generate.c */
int generate_traffic(FILE *out, long n, uint64_t seed, int nlanes);
uint64_t sim_rand(uint64_t *state);

/* camera.c: the lanes' cameras, posting to the daemon's camera listener */
enum sim_cam_format { SIM_CAM_XML, SIM_CAM_MULTIPART, SIM_CAM_JSON,
	SIM_CAM_GENERIC };
enum sim_cam_mode { SIM_CAM_PLATE, SIM_CAM_NOPLATE, SIM_CAM_SKIP,
	SIM_CAM_TWO, SIM_CAM_SILENT, SIM_CAM_REPEAT };
enum {	/* the --camera options' codes for getopt_long */
	SIM_CAM_OPT_URL = 40, SIM_CAM_OPT_FORMAT, SIM_CAM_OPT_OFFSET,
	SIM_CAM_OPT_MODE, SIM_CAM_OPT_SECOND, SIM_CAM_OPT_USER, SIM_CAM_OPT_BEAT,
	SIM_CAM_OPT_PLATE
};
/* One --camera option into o; -1 (said) when its value is wrong. */
int sim_camera_option(struct sim_opts *o, int ch, const char *name,
    const char *arg);
/* enum sim_cam_mode of a --camera-mode / camera_mode word, or -1. */
int sim_camera_mode_of(const char *word);
int sim_camera_start(struct sim *s);
void sim_camera_stop(struct sim *s);
/* A vehicle of lane l whose result is published at result_at (mu held). */
void sim_camera_vehicle(struct sim *s, const struct sim_lane *l,
    const struct sim_item *it, int64_t result_at, int64_t now);

/* client.c */
int client_main(int op, int argc, char **argv, const struct sim_opts *o);

#endif
