/*
 * weighgate-sim --generate: a realistic, deterministic traffic file of
 * Chinese expressway entrance traffic (axle mix, loads under and over the
 * §5 limits, re-weighs after a bad weighing, a few cars, forced entries and
 * scale faults).  Own PRNG (splitmix64 + xorshift64*): same N and seed, same
 * bytes, on every machine.
 */
#include <stdio.h>
#include <string.h>

#include "weighgate/measurement.h"
#include "weighgate/sbuf.h"
#include "weighgate/timefmt.h"

#include "sim.h"

#define GEN_START_MS	1767225600000LL	/* 2026-01-01T00:00:00.000Z */
#define FLUSH_AT	(1 << 20)

static const char *const provinces[] = {
	"京", "津", "冀", "晋", "蒙", "辽", "吉", "黑", "沪", "苏", "浙", "皖",
	"闽", "赣", "鲁", "豫", "鄂", "湘", "粤", "桂", "琼", "渝", "川", "贵",
	"云", "藏", "陕", "甘", "青", "宁", "新"
};
#define NPROV ((int)(sizeof(provinces) / sizeof(provinces[0])))
#define HOME_PROV 15	/* 豫: most trucks at a station are local */
static const char plate_letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";

struct gen {
	uint64_t rng;
	struct sbuf b;
	int64_t ts;
	int64_t seq[SIM_MAX_LANES];
	int nlanes;
};

/* xorshift64*; the state must not be 0. */
uint64_t
sim_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n). */
static int64_t
rnd(struct gen *g, int64_t n)
{
	return (int64_t)((sim_rand(&g->rng) >> 11) % (uint64_t)n);
}

/* Uniform in [0, 1). */
static double
frnd(struct gen *g)
{
	return (double)(sim_rand(&g->rng) >> 11) / 9007199254740992.0;
}

static int64_t
range(struct gen *g, int64_t lo, int64_t hi)
{
	return lo + rnd(g, hi - lo + 1);
}

/* The legal limit of §5 for this axle count and configuration. */
static int64_t
legal_limit(int axles, enum vconfig c)
{
	switch (axles) {
	case 2: return 18000;
	case 3: return c == VC_RIGID ? 25000 : 27000;
	case 4: return c == VC_RIGID ? 31000 : 36000;
	case 5: return 43000;
	default: return c == VC_COMBINATION_SINGLE_DRIVE ? 46000 : 49000;
	}
}

static void
gen_plate(struct gen *g, struct measurement *m)
{
	int p = frnd(g) < 0.6 ? HOME_PROV : (int)rnd(g, NPROV), i, n;
	char *s = m->plate;

	n = snprintf(s, MEAS_PLATE_MAX, "%s%c%s", provinces[p],
	    plate_letters[rnd(g, frnd(g) < 0.7 ? 8 : 24)],
	    frnd(g) < 0.25 ? "·" : "");
	for (i = 0; i < 5; i++)
		s[n++] = frnd(g) < 0.85 ? (char)('0' + rnd(g, 10)) :
		    plate_letters[rnd(g, 24)];
	s[n] = '\0';
}

/* Axles and configuration by the mix of trucks at Chinese entrances. */
static void
gen_axles(struct gen *g, struct measurement *m)
{
	double r = frnd(g);

	m->axles = r < 0.40 ? 2 : r < 0.50 ? 3 : r < 0.58 ? 4 : r < 0.65 ? 5 : 6;
	r = frnd(g);
	switch (m->axles) {
	case 2: m->config = VC_RIGID; break;
	case 3: m->config = r < 0.7 ? VC_RIGID : VC_COMBINATION; break;
	case 4: m->config = r < 0.5 ? VC_RIGID : VC_COMBINATION; break;
	case 5: m->config = VC_COMBINATION; break;
	default: m->config = r < 0.85 ? VC_COMBINATION :
		    VC_COMBINATION_SINGLE_DRIVE;
	}
	if (frnd(g) < 0.02)
		m->config = VC_UNKNOWN;
}

/* Gross: empty, loaded under the limit, over it, or a 100-tonne king. */
static void
gen_gross(struct gen *g, struct measurement *m)
{
	static const int64_t empty_lo[] = { 4500, 9000, 12000, 14000, 15000 };
	static const int64_t empty_hi[] = { 8000, 13000, 16000, 17000, 19000 };
	int64_t limit = legal_limit(m->axles, m->config);
	int a = (m->axles > 6 ? 6 : m->axles) - 2;
	double r = frnd(g);

	if (m->axles >= 6 && r < 0.002)
		m->gross_kg = range(g, 100000, 130000);
	else if (r < 0.40)
		m->gross_kg = range(g, empty_lo[a], empty_hi[a]);
	else if (r < 0.98)
		m->gross_kg = (int64_t)((double)limit * (0.70 + 0.29 * frnd(g)));
	else
		m->gross_kg = (int64_t)((double)limit * (1.03 + 0.5 * frnd(g)));
	m->gross_kg = m->gross_kg / 10 * 10;
}

/* Axle weights summing to gross: a lighter steer axle, the rest shared. */
static void
gen_axle_kg(struct gen *g, struct measurement *m)
{
	double w[MEAS_MAX_AXLES], sum = 0;
	int64_t left = m->gross_kg;
	int i;

	for (i = 0; i < m->axles; i++) {
		w[i] = (i == 0 ? 0.7 : 1.0) * (0.92 + 0.16 * frnd(g));
		sum += w[i];
	}
	m->n_axle_kg = m->axles;
	for (i = 0; i < m->axles - 1; i++) {
		m->axle_kg[i] = (int32_t)((double)m->gross_kg * w[i] / sum) /
		    10 * 10;
		left -= m->axle_kg[i];
	}
	m->axle_kg[m->axles - 1] = (int32_t)left;
}

/* Speed in 0.1 km/h: mostly 3-12, sometimes slower or a little faster. */
static int32_t
gen_speed(struct gen *g)
{
	double r = frnd(g);

	if (r < 0.02)
		return (int32_t)range(g, 10, 29);
	if (r < 0.04)
		return (int32_t)range(g, 121, 150);
	return (int32_t)range(g, 30, 120);
}

static void
gen_vehicle(struct gen *g, struct measurement *m)
{
	meas_init(m);
	gen_plate(g, m);
	if (frnd(g) < 0.03) {
		m->kind = VK_PASSENGER;
		m->config = VC_UNKNOWN;
		m->axles = 2;
		m->gross_kg = range(g, 120, 260) * 10;
		m->plate_color = frnd(g) < 0.85 ? PC_BLUE : PC_GREEN;
	} else {
		m->kind = VK_TRUCK;
		gen_axles(g, m);
		gen_gross(g, m);
		m->plate_color = m->axles == 2 && m->gross_kg < 6000 &&
		    frnd(g) < 0.5 ? PC_BLUE :
		    frnd(g) < 0.02 ? PC_YELLOW_GREEN : PC_YELLOW;
	}
	gen_axle_kg(g, m);
	m->speed_dkmh = gen_speed(g);
}

/* One vehicle line, with the simulator's after_ms and behaviour. */
static void
put_vehicle(struct gen *g, const struct measurement *m, int lane, bool force)
{
	struct sbuf *b = &g->b;
	char ts[TS_TEXT_LEN + 1];
	int i;

	ts_format(m->ts_ms, ts);
	sbuf_printf(b, "{\"lane\":\"L%02d\",\"ts\":\"%s\",\"seq\":", lane, ts);
	sbuf_put_i64(b, m->seq);
	sbuf_printf(b, ",\"kind\":\"%s\",\"config\":\"%s\",\"axles\":%d,"
	    "\"gross_kg\":", meas_kind_name(m->kind),
	    meas_config_name(m->config), m->axles);
	sbuf_put_i64(b, m->gross_kg);
	sbuf_puts(b, ",\"axle_kg\":[");
	for (i = 0; i < m->n_axle_kg; i++) {
		if (i > 0)
			sbuf_putc(b, ',');
		sbuf_put_i64(b, m->axle_kg[i]);
	}
	sbuf_puts(b, "],\"speed_kmh\":");
	sbuf_put_fixed(b, m->speed_dkmh, 1);
	sbuf_puts(b, ",\"plate\":");
	sbuf_put_json_str(b, m->plate);
	sbuf_printf(b, ",\"plate_color\":\"%s\",\"valid\":true,\"unstable\":%s,"
	    "\"fault\":false", meas_color_name(m->plate_color),
	    m->unstable ? "true" : "false");
	if (m->abnormal)
		sbuf_puts(b, ",\"abnormal\":true");
	sbuf_printf(b, ",\"after_ms\":%d", (int)range(g, 300, 1500));
	if (force)
		sbuf_puts(b, ",\"behaviour\":\"force\"");
	sbuf_puts(b, "}\n");
}

/* A rare device fault on the lane. */
static void
put_fault(struct gen *g, int lane)
{
	static const char *const f[][2] = {
		{ "scale", "fault_bit" }, { "scale", "timeout" },
		{ "io", "timeout" }, { "led", "timeout" }
	};
	int k = (int)rnd(g, 4);

	sbuf_printf(&g->b, "{\"lane\":\"L%02d\",\"after_ms\":%d,"
	    "\"device_fault\":\"%s\",\"mode\":\"%s\",\"duration_ms\":%d}\n",
	    lane, (int)range(g, 300, 1500), f[k][0], f[k][1],
	    (int)range(g, 2000, 8000));
}

/* One weighing (and, after a bad one, the re-weigh); returns lines written. */
static long
gen_one(struct gen *g, long left)
{
	struct measurement m;
	int lane = g->nlanes > 1 ? 1 + (int)rnd(g, g->nlanes) : 1;
	double r;

	gen_vehicle(g, &m);
	g->ts = g->ts == 0 ? GEN_START_MS : g->ts + range(g, 20000, 43000);
	m.ts_ms = g->ts;
	m.seq = ++g->seq[lane - 1];
	r = frnd(g);
	if (r < 0.01)
		m.speed_dkmh = (int32_t)range(g, 151, 250);
	else if (r < 0.013)
		m.unstable = true;
	else if (r < 0.015)
		m.abnormal = true;
	put_vehicle(g, &m, lane, frnd(g) < 0.001);
	if (r >= 0.015 || left < 2)
		return 1;
	/* The scale refused it: the driver reverses and weighs again. */
	m.speed_dkmh = gen_speed(g);
	m.unstable = m.abnormal = false;
	m.gross_kg = (m.gross_kg + range(g, -5, 5) * 10) / 10 * 10;
	gen_axle_kg(g, &m);
	g->ts += range(g, 15000, 40000);
	m.ts_ms = g->ts;
	m.seq = ++g->seq[lane - 1];
	put_vehicle(g, &m, lane, false);
	return 2;
}

/* Write n lines of traffic for nlanes lanes, seeded by seed. */
int
generate_traffic(FILE *out, long n, uint64_t seed, int nlanes)
{
	struct gen g;
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
	long i = 0;

	memset(&g, 0, sizeof(g));
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;	/* splitmix64 */
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	g.rng = (z ^ (z >> 31)) | 1;
	g.nlanes = nlanes;
	sbuf_init(&g.b);
	while (i < n) {
		if (i > 0 && frnd(&g) < 0.0005) {
			put_fault(&g, g.nlanes > 1 ? 1 + (int)rnd(&g, g.nlanes) : 1);
			i++;
		} else
			i += gen_one(&g, n - i);
		if (g.b.len >= FLUSH_AT || i >= n) {
			if (fwrite(g.b.p, 1, g.b.len, out) != g.b.len)
				break;
			sbuf_reset(&g.b);
		}
	}
	sbuf_fini(&g.b);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
