/* weighgate replay: recorded weighings run through decide() again (docs/design.md §8). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "weighgate/cmd.h"
#include "weighgate/config.h"
#include "weighgate/lists.h"
#include "weighgate/log.h"
#include "weighgate/record.h"
#include "weighgate/rules.h"
#include "weighgate/sbuf.h"
#include "weighgate/timefmt.h"

#include "replay.h"

/*
 * How it fits: each INPUT is opened by replay_input.c, which recognises a
 * database, JSON Lines or CSV by content.  Records go through decide()
 * with their lane's retry count, one output line each, in input order,
 * written through a large buffer; replay_stats.c tallies them for the
 * summary and the --report.  With --diff, a record whose decision differs
 * from the one it recorded is written there.  A database read without
 * --lists is judged with the lists stored in it.  Exit status: 0; 2 usage;
 * 65 a bad line under --strict or an invalid list document; 66 an input or
 * list file that cannot be read; 74 output that cannot be written; 78 a
 * bad -c configuration.
 */

#define EXIT_USAGE	2	/* docs/design.md §8; not sysexits' EX_USAGE (64) */
#define OUT_FLUSH	(1u << 20)	/* bytes buffered before a write */
#define PROGRESS_CHECK	(1u << 14)	/* records between clock reads */
#define PROGRESS_MS	250		/* at most 4 updates a second */

/* Retry counts per lane: open addressing on the lane name. */
#define REPLAY_READS_N 16	/* as the lane keeps (LANE_PLATES_N) */

struct lane_slot {
	char name[MEAS_LANE_MAX];
	int retries;
	/* plate reads not yet paired, in the order read */
	bool any_reads;
	int next;
	struct replay_read reads[REPLAY_READS_N];
	bool used[REPLAY_READS_N];
	bool full[REPLAY_READS_N];
};

/* A [lane]'s pairing window from -c, else the defaults. */
struct pair_window {
	char name[MEAS_LANE_MAX];
	int before_ms, wait_ms;
};

struct lane_table {
	struct lane_slot *slots;	/* name[0] == '\0': free */
	size_t cap;
	size_t n;
	struct lane_slot *last;		/* the lane of the previous record */
};

/* An output file written in large blocks. */
struct out {
	FILE *f;
	const char *name;
	struct sbuf b;
};

struct progress {
	bool on;
	int64_t t0_ms, last_ms;
	bool shown;
};

struct replay {
	struct rules rules;
	char ruleset[65];
	struct lists *given;		/* --lists */
	struct lists *stored;		/* the current database's own */
	struct out out, diff;
	bool strict;
	struct progress prog;
	struct lane_table lanes;
	int n_windows;
	struct pair_window windows[CFG_MAX_LANES];
	struct tally st;
	char where[PATH_MAX + 32];
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: weighgate replay [-c CONFIG] [--lists FILE] "
	    "[--diff FILE] [--out FILE|-]\n"
	    "                        [--report FILE] [--strict] INPUT...\n"
	    "  INPUT     a weighgate database, JSON Lines or CSV (docs/design.md §8), "
	    "'-' for stdin\n"
	    "  -c        take [rules] and [limits] from CONFIG (default: "
	    "built-in)\n"
	    "  --lists   a list document as GET /v1/lists serves it (default: "
	    "a database's own)\n"
	    "  --out     write one decision per record (JSON Lines)\n"
	    "  --diff    write each record decided otherwise than recorded\n"
	    "  --report  write the summary as JSON\n"
	    "  --strict  stop at the first bad line (exit 65)\n");
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct lane_slot *
lane_find(struct lane_slot *slots, size_t cap, const char *name)
{
	size_t i = (size_t)fnv1a(name) & (cap - 1);

	while (slots[i].name[0] != '\0' && strcmp(slots[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void
lane_grow(struct lane_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64, i;
	struct lane_slot *slots, *s;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		fatal("out of memory");
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].name[0] != '\0') {
			s = lane_find(slots, cap, t->slots[i].name);
			*s = t->slots[i];
		}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	t->last = NULL;
}

/* The lane's slot, made empty the first time the lane is seen. */
static struct lane_slot *
lane_slot(struct lane_table *t, const char *name)
{
	struct lane_slot *s;

	if (t->last != NULL && strcmp(t->last->name, name) == 0)
		return t->last;
	if (2 * (t->n + 1) > t->cap)
		lane_grow(t);
	s = lane_find(t->slots, t->cap, name);
	if (s->name[0] == '\0') {
		snprintf(s->name, sizeof(s->name), "%s", name);
		t->n++;
	}
	t->last = s;
	return s;
}

static int *
lane_retries(struct lane_table *t, const char *name)
{
	return &lane_slot(t, name)->retries;
}

/* ---- output ---- */

static int
out_open(struct out *o, const char *path)
{
	sbuf_init(&o->b);
	o->name = path;
	if (path == NULL)
		return 0;
	if (strcmp(path, "-") == 0)
		o->f = stdout;
	else if ((o->f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "weighgate replay: %s: %s\n", path,
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

static int
out_flush(struct out *o)
{
	if (o->b.len > 0 && fwrite(o->b.p, 1, o->b.len, o->f) != o->b.len)
		return -1;
	sbuf_reset(&o->b);
	return 0;
}

/* Flush when the buffer is full; -1 when the write fails. */
static int
out_line_done(struct out *o)
{
	sbuf_putc(&o->b, '\n');
	return o->b.len >= OUT_FLUSH ? out_flush(o) : 0;
}

static int
out_close(struct out *o)
{
	int rc = 0;

	if (o->f != NULL) {
		if (out_flush(o) != 0 || fflush(o->f) != 0 || ferror(o->f))
			rc = -1;
		if (o->f != stdout && fclose(o->f) != 0)
			rc = -1;
		if (rc != 0)
			fprintf(stderr, "weighgate replay: %s: %s\n", o->name,
			    strerror(errno));
	}
	o->f = NULL;
	sbuf_fini(&o->b);
	return rc;
}

/* {"lane","seq","old":{"decision","reasons"},"new":{"decision","reasons"}} */
static void
diff_line(struct sbuf *b, const struct record *r, const struct decision *d)
{
	int i;

	sbuf_puts(b, "{\"lane\":");
	sbuf_put_json_str(b, r->m.lane);
	sbuf_puts(b, ",\"seq\":");
	sbuf_put_i64(b, r->m.seq);
	sbuf_puts(b, ",\"old\":{\"decision\":");
	sbuf_put_json_str(b, decision_kind_name(r->recorded));
	sbuf_puts(b, ",\"reasons\":[");
	for (i = 0; i < r->n_recorded_reasons; i++) {
		if (i > 0)
			sbuf_putc(b, ',');
		sbuf_put_json_str(b, reason_name(r->recorded_reasons[i]));
	}
	sbuf_puts(b, "]},\"new\":{\"decision\":");
	sbuf_put_json_str(b, decision_kind_name(d->kind));
	sbuf_puts(b, ",\"reasons\":[");
	for (i = 0; i < d->n_reasons; i++) {
		if (i > 0)
			sbuf_putc(b, ',');
		sbuf_put_json_str(b, reason_name(d->reasons[i]));
	}
	sbuf_puts(b, "]}}");
}

/* ---- the loop ---- */

/* A camera's plate read, kept for the lane's next weighings. */
static void
replay_plate_read(struct replay *rp, const struct replay_read *r)
{
	struct lane_slot *s = lane_slot(&rp->lanes, r->lane);

	s->any_reads = true;
	s->reads[s->next] = *r;
	s->used[s->next] = false;
	s->full[s->next] = true;
	s->next = (s->next + 1) % REPLAY_READS_N;
	rp->st.skipped++;
}

static void
window_of(const struct replay *rp, const char *lane, int *before, int *wait)
{
	int i;

	*before = 5000;
	*wait = 1500;
	for (i = 0; i < rp->n_windows; i++)
		if (strcmp(rp->windows[i].name, lane) == 0) {
			*before = rp->windows[i].before_ms;
			*wait = rp->windows[i].wait_ms;
		}
}

/*
 * The lane's pairing rule on the reads given (docs/lane.md): reads within
 * the window of the weighing's receive time, each used once.
 */
static void
replay_pair(struct replay *rp, struct lane_slot *s, const struct replay_cam *c,
    struct replay_cam *out)
{
	int before, wait, k, i, j;
	const struct replay_read *r;

	window_of(rp, s->name, &before, &wait);
	memset(out, 0, sizeof(*out));
	for (k = 0; k < REPLAY_READS_N; k++) {
		i = (s->next + k) % REPLAY_READS_N;
		r = &s->reads[i];
		if (!s->full[i] || s->used[i] || r->mono_ms < c->mono_ms - before ||
		    r->mono_ms > c->mono_ms + wait)
			continue;
		s->used[i] = true;
		if (!r->has_plate)
			continue;
		for (j = 0; j < out->n; j++)
			if (strcmp(out->plates[j].plate, r->plate) == 0)
				break;
		if (j < out->n || out->n == RULES_MAX_PLATES)
			continue;
		snprintf(out->plates[j].plate, sizeof(out->plates[j].plate),
		    "%s", r->plate);
		out->plates[out->n++].color = r->color;
	}
}

/* Decide a record: on its camera pairing when it has one (docs/replay.md). */
static void
replay_decide(struct replay *rp, struct record *rec, const struct replay_cam *c,
    int retries, struct decision *d)
{
	const struct lists *l = rp->given != NULL ? rp->given : rp->stored;
	struct lane_slot *s;
	struct replay_cam paired;
	int used;

	if (c == NULL || !c->camera) {
		decide(&rec->m, &rp->rules, l, rec->m.ts_ms, retries, d);
		return;
	}
	s = lane_slot(&rp->lanes, rec->m.lane);
	if (s->any_reads && c->has_mono) {
		replay_pair(rp, s, c, &paired);
		c = &paired;
	}
	decide_camera(&rec->m, c->plates, c->n, &rp->rules, l, rec->m.ts_ms,
	    retries, d, &used);
	snprintf(rec->m.plate, sizeof(rec->m.plate), "%s",
	    used >= 0 ? c->plates[used].plate : "");
	rec->m.plate_color = used >= 0 ? c->plates[used].color : PC_UNKNOWN;
}

/* Decide one record with its lane's retry count; write its lines. */
static int
replay_record(struct replay *rp, struct record *rec, const struct replay_cam *c)
{
	int *retries = lane_retries(&rp->lanes, rec->m.lane);
	struct decision d;

	replay_decide(rp, rec, c, *retries, &d);
	*retries = rules_next_retries(*retries, &d);
	tally_record(&rp->st, rec, &d);
	if (rp->out.f != NULL) {
		record_decision_json(&rp->out.b, &rec->m, &d, rp->ruleset,
		    false);
		if (out_line_done(&rp->out) != 0)
			return -1;
	}
	if (rp->diff.f != NULL && rec->has_recorded && rec->recorded != d.kind) {
		diff_line(&rp->diff.b, rec, &d);
		if (out_line_done(&rp->diff) != 0)
			return -1;
	}
	return 0;
}

static void
show_progress(struct replay *rp, const struct input *in)
{
	struct progress *p = &rp->prog;
	uint64_t done, total;
	int64_t now = ts_mono_ms(), secs;
	double rate;

	if (now - p->last_ms < PROGRESS_MS)
		return;
	p->last_ms = now;
	p->shown = true;
	rate = now > p->t0_ms ? (double)rp->st.records * 1000.0 /
	    (double)(now - p->t0_ms) : 0;
	input_progress(in, &done, &total);
	fprintf(stderr, "\r\033[K%s: %llu records, %.0f records/s",
	    input_name(in), (unsigned long long)rp->st.records, rate);
	if (total > 0 && done > 0 && done <= total) {
		secs = (int64_t)((double)(now - p->t0_ms) / 1000.0 *
		    (double)(total - done) / (double)done);
		fprintf(stderr, ", %llu %%, ETA %lld s",
		    (unsigned long long)(done * 100 / total), (long long)secs);
	}
}

/* A bad line: FILE:LINE: message, counted; 65 under --strict. */
static int
bad_line(struct replay *rp, const struct input *in, const char *err)
{
	snprintf(rp->where, sizeof(rp->where), "%s:%lld", input_name(in),
	    input_where(in));
	if (rp->prog.shown)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s: %s\n", rp->where, err);
	tally_bad(&rp->st, rp->where, err);
	return rp->strict ? EX_DATAERR : 0;
}

/* A database's own lists, when no --lists was given. */
static int
use_stored_lists(struct replay *rp, struct input *in)
{
	char err[512] = "", *doc;
	int rc = 0;

	lists_free(rp->stored);
	rp->stored = NULL;
	if (rp->given != NULL || input_kind(in) != IN_DB)
		return 0;
	if ((doc = input_db_lists(in, err, sizeof(err))) == NULL)
		return err[0] != '\0' ? EX_NOINPUT : 0;
	if (lists_parse(doc, strlen(doc), &rp->stored, err, sizeof(err)) != 0) {
		fprintf(stderr, "weighgate replay: %s: stored lists: %s\n",
		    input_name(in), err);
		rc = EX_DATAERR;
	}
	free(doc);
	return rc;
}

static int
replay_records(struct replay *rp, struct input *in)
{
	struct record rec;
	char err[512];
	uint32_t n = 0;
	int rc;

	for (;;) {
		switch (input_next(in, &rec, err, sizeof(err))) {
		case READ_EOF:
			return 0;
		case READ_ERROR:
			fprintf(stderr, "weighgate replay: %s: %s\n",
			    input_name(in), err);
			return EX_NOINPUT;
		case READ_SKIP:
			rp->st.skipped++;
			continue;
		case READ_BAD:
			if ((rc = bad_line(rp, in, err)) != 0)
				return rc;
			continue;
		case READ_PLATE:
			replay_plate_read(rp, input_plate_read(in));
			continue;
		case READ_RECORD:
			break;
		}
		if (replay_record(rp, &rec, input_camera(in)) != 0) {
			fprintf(stderr, "weighgate replay: writing the output: "
			    "%s\n", strerror(errno));
			return EX_IOERR;
		}
		if (rp->prog.on && ++n % PROGRESS_CHECK == 0)
			show_progress(rp, in);
	}
}

/* Every record of one input; returns 0 or the exit status to stop with. */
static int
replay_input(struct replay *rp, const char *path)
{
	struct input *in;
	char err[512];
	int rc;

	if ((in = input_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "weighgate replay: %s: %s\n",
		    strcmp(path, "-") == 0 ? "stdin" : path, err);
		return EX_NOINPUT;
	}
	if ((rc = use_stored_lists(rp, in)) == 0)
		rc = replay_records(rp, in);
	input_close(in);
	return rc;
}

/* The pairing windows of the lanes -c names (plate_before_ms, plate_wait_ms). */
static void
keep_windows(struct replay *rp, const struct config *cfg)
{
	int i;

	rp->n_windows = cfg->n_lanes;
	for (i = 0; i < cfg->n_lanes; i++) {
		snprintf(rp->windows[i].name, sizeof(rp->windows[i].name), "%s",
		    cfg->lanes[i].name);
		rp->windows[i].before_ms = cfg->lanes[i].plate_before_ms;
		rp->windows[i].wait_ms = cfg->lanes[i].plate_wait_ms;
	}
}

static int
load_rules(struct replay *rp, const char *path)
{
	struct config *cfg;
	char err[512];
	int rc = 0;

	if (path == NULL) {
		rules_defaults(&rp->rules);
		return 0;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return CFG_EX_CONFIG;
	if (cfg_load(path, CFG_RULES, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "weighgate replay: %s\n", err);
		rc = CFG_EX_CONFIG;
	} else {
		rp->rules = cfg->rules;
		keep_windows(rp, cfg);
	}
	free(cfg);
	return rc;
}

/* The whole file, NUL-terminated; NULL with errno on failure or when too big. */
static char *
read_file(const char *path, size_t max, size_t *len)
{
	struct sbuf b;
	char chunk[65536];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	sbuf_init(&b);
	sbuf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > max) {
			errno = EFBIG;
			goto fail;
		}
		sbuf_putn(&b, chunk, n);
	}
	if (ferror(f)) {
		errno = EIO;
		goto fail;
	}
	fclose(f);
	*len = b.len;
	return sbuf_take(&b);
fail:
	fclose(f);
	sbuf_fini(&b);
	return NULL;
}

static int
load_lists(struct replay *rp, const char *path)
{
	char err[512], *doc;
	size_t len;
	int rc = 0;

	if (path == NULL)
		return 0;
	if ((doc = read_file(path, LISTS_MAX_DOC_BYTES, &len)) == NULL) {
		fprintf(stderr, "weighgate replay: %s: %s\n", path,
		    strerror(errno));
		return EX_NOINPUT;
	}
	if (lists_parse(doc, len, &rp->given, err, sizeof(err)) != 0) {
		fprintf(stderr, "weighgate replay: %s: %s\n", path, err);
		rc = EX_DATAERR;
	}
	free(doc);
	return rc;
}

struct options {
	const char *config, *lists, *out, *diff, *report;
	bool strict;
};

/* Options into o: the index of the first INPUT, -1 (usage) or -2 (--help). */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "lists", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "diff", required_argument, NULL, 'd' },
		{ "report", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'l': o->lists = optarg; break;
		case 'o': o->out = optarg; break;
		case 'd': o->diff = optarg; break;
		case 'r': o->report = optarg; break;
		case 's': o->strict = true; break;
		case 'h': return -2;
		default: return -1;
		}
	}
	return optind < argc ? optind : -1;
}

/* Check every named input before anything is written. */
static bool
inputs_missing(int argc, char **argv, int first)
{
	struct stat sb;
	bool missing = false;
	int i;

	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			continue;
		if (stat(argv[i], &sb) != 0 || access(argv[i], R_OK) != 0) {
			fprintf(stderr, "weighgate replay: %s: %s\n", argv[i],
			    strerror(errno));
			missing = true;
		} else if (S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "weighgate replay: %s: is a directory\n",
			    argv[i]);
			missing = true;
		}
	}
	return missing;
}

static int
write_report(struct replay *rp, const char *path, char **inputs, int n)
{
	struct out o;

	if (path == NULL)
		return 0;
	if (out_open(&o, path) != 0)
		return EX_IOERR;
	tally_json(&o.b, &rp->st, rp->ruleset, inputs, n);
	return out_close(&o) != 0 ? EX_IOERR : 0;
}

static int
replay_all(struct replay *rp, const struct options *o, int argc, char **argv,
    int first)
{
	int i, rc = 0;

	rp->prog.t0_ms = rp->prog.last_ms = ts_mono_ms();
	for (i = first; i < argc && rc == 0; i++)
		rc = replay_input(rp, argv[i]);
	if (rp->prog.shown)
		fprintf(stderr, "\r\033[K");
	if (out_close(&rp->out) != 0 && rc == 0)
		rc = EX_IOERR;
	if (out_close(&rp->diff) != 0 && rc == 0)
		rc = EX_IOERR;
	tally_print(stderr, &rp->st, rp->ruleset, o->diff != NULL);
	if (write_report(rp, o->report, argv + first, argc - first) != 0 &&
	    rc == 0)
		rc = EX_IOERR;
	return rc;
}

int
cmd_replay(int argc, char **argv)
{
	struct replay *rp;
	struct options o;
	int first, rc;

	if ((first = parse_options(argc, argv, &o)) == -2) {
		usage(stdout);
		return 0;
	}
	if (first < 0 || inputs_missing(argc, argv, first)) {
		if (first < 0)
			usage(stderr);
		return first < 0 ? EXIT_USAGE : EX_NOINPUT;
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL)
		return 1;
	rp->strict = o.strict;
	rp->prog.on = isatty(STDERR_FILENO) == 1;
	if ((rc = load_rules(rp, o.config)) == 0 &&
	    (rc = load_lists(rp, o.lists)) == 0 &&
	    (rc = out_open(&rp->out, o.out)) == 0 &&
	    (rc = out_open(&rp->diff, o.diff)) == 0) {
		rules_id(&rp->rules, rp->ruleset);
		rc = replay_all(rp, &o, argc, argv, first);
	}
	out_close(&rp->out);
	out_close(&rp->diff);
	lists_free(rp->given);
	lists_free(rp->stored);
	tally_free(&rp->st);
	free(rp->lanes.slots);
	free(rp);
	return rc;
}
