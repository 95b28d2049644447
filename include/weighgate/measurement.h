/* A weighing as the scale reports it: the input of decide() and of replay. */
#ifndef WEIGHGATE_MEASUREMENT_H
#define WEIGHGATE_MEASUREMENT_H

#include <stdbool.h>
#include <stdint.h>

#define MEAS_MAX_AXLES 12
#define MEAS_PLATE_MAX 64	/* UTF-8 bytes, NUL included */
#define MEAS_LANE_MAX 16

enum vkind { VK_UNKNOWN = 0, VK_PASSENGER = 1, VK_TRUCK = 2 };

enum vconfig {
	VC_UNKNOWN = 0,
	VC_RIGID = 1,
	VC_COMBINATION = 2,
	VC_COMBINATION_SINGLE_DRIVE = 3
};

enum pcolor {
	PC_UNKNOWN = 0, PC_BLUE, PC_YELLOW, PC_BLACK, PC_WHITE, PC_GREEN,
	PC_YELLOW_GREEN, PC_NCOLORS
};

struct measurement {
	char lane[MEAS_LANE_MAX];	/* "L01"; "" when unknown */
	int64_t ts_ms;			/* UTC, ms since the epoch */
	int64_t seq;			/* the scale's result sequence */
	enum vkind kind;
	enum vconfig config;
	int axles;
	int64_t gross_kg;
	int n_axle_kg;			/* 0: no axle weights, skip axle sum */
	int32_t axle_kg[MEAS_MAX_AXLES];
	int32_t speed_dkmh;		/* speed in 0.1 km/h */
	char plate[MEAS_PLATE_MAX];	/* UTF-8, as read */
	enum pcolor plate_color;
	bool valid;
	bool unstable;
	bool fault;
	bool abnormal;
	/*
	 * The controller's clock was in doubt when the scale reported this
	 * (docs/lane.md "A clock in doubt"): time windows of the lists are
	 * not trusted.  Not from the scale: the lane sets it from the daemon.
	 */
	bool clock_doubt;
};

/* Defaults of docs/design.md §8: valid, stable, no fault, normal driving. */
void meas_init(struct measurement *m);

/* Names used in JSON (§8) and back; -1 when the name is unknown. */
const char *meas_kind_name(enum vkind k);
const char *meas_config_name(enum vconfig c);
const char *meas_color_name(enum pcolor c);
int meas_kind_parse(const char *s, enum vkind *out);
int meas_config_parse(const char *s, enum vconfig *out);
int meas_color_parse(const char *s, enum pcolor *out);

#endif
