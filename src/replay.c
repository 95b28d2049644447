/* weighgate replay: recorded weighings run through decide() again (SPEC §8). */
#include <errno.h>
#include <getopt.h>
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

/*
 * How it fits: each INPUT is opened as a reader, chosen by sniffing its
 * first bytes (JSON Lines for now; a database or CSV reader is another
 * reader_open_* and next()).  Records go through decide() with the lane's
 * retry count, one output line each, in input order; the summary counts
 * what happened.  Exit status: 0; 2 usage; 65 a bad line under --strict
 * or an invalid --lists document; 66 an input or list file that cannot be
 * read; 74 output that cannot be written; 78 a bad -c configuration.
 */

#define EXIT_USAGE	2	/* SPEC §8; not sysexits' EX_USAGE (64) */
#define PROGRESS_EVERY	(1u << 18)

enum read_status { READ_RECORD, READ_SKIP, READ_BAD, READ_EOF, READ_ERROR };

/* One input: its name for messages, the line number of what next() returned. */
struct reader {
	const char *name;
	FILE *f;
	long line;
	char *buf;
	size_t cap;
	ssize_t pending;	/* a line the sniffer read ahead, or -1 */
	enum read_status (*next)(struct reader *, struct record *,
	    char *err, size_t errlen);
};

/* Retry counts per lane: open addressing on the lane name. */
struct lane_slot {
	char name[MEAS_LANE_MAX];
	int retries;
};

struct lane_table {
	struct lane_slot *slots;	/* name[0] == '\0': free */
	size_t cap;
	size_t n;
};

struct stats {
	uint64_t records, bad, skipped, flag_100t;
	uint64_t by_kind[DEC_NKINDS];
	uint64_t by_reason[R_NREASONS];
	uint64_t weighed[MEAS_MAX_AXLES + 1];	/* decisions with a limit */
	uint64_t over[MEAS_MAX_AXLES + 1];	/* turnback for over_gross */
};

struct replay {
	struct rules rules;
	char ruleset[65];
	struct lists *lists;
	FILE *out;
	bool strict;
	bool progress;
	struct lane_table lanes;
	struct stats st;
	struct sbuf line;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: weighgate replay [-c CONFIG] [--lists FILE] "
	    "[--out FILE|-] [--strict] INPUT...\n"
	    "  INPUT    JSON Lines of measurements (SPEC §8), '-' for stdin\n"
	    "  -c       take [rules] and [limits] from CONFIG (default: "
	    "built-in)\n"
	    "  --lists  a list document as GET /v1/lists serves it\n"
	    "  --out    write one decision per record (JSON Lines)\n"
	    "  --strict stop at the first bad line (exit 65)\n");
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
}

/* The retry count of a lane, made 0 the first time the lane is seen. */
static int *
lane_retries(struct lane_table *t, const char *name)
{
	struct lane_slot *s;

	if (2 * (t->n + 1) > t->cap)
		lane_grow(t);
	s = lane_find(t->slots, t->cap, name);
	if (s->name[0] == '\0') {
		snprintf(s->name, sizeof(s->name), "%s", name);
		t->n++;
	}
	return &s->retries;
}

/* Next line into r->buf, without its line end; -1 at EOF or on error. */
static ssize_t
reader_getline(struct reader *r)
{
	ssize_t n;

	if (r->pending >= 0) {
		n = r->pending;
		r->pending = -1;
	} else if ((n = getline(&r->buf, &r->cap, r->f)) < 0)
		return -1;
	r->line++;
	while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
		r->buf[--n] = '\0';
	return n;
}

static bool
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr(" \t\r\n\f\v", s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

/* JSON Lines: one record per line; blank lines are passed over. */
static enum read_status
jsonl_next(struct reader *r, struct record *rec, char *err, size_t errlen)
{
	ssize_t n;

	for (;;) {
		errno = 0;
		if ((n = reader_getline(r)) < 0) {
			if (ferror(r->f)) {
				snprintf(err, errlen, "%s",
				    strerror(errno ? errno : EIO));
				return READ_ERROR;
			}
			return READ_EOF;
		}
		if (!blank(r->buf, (size_t)n))
			break;
	}
	switch (record_from_json(r->buf, (size_t)n, rec, err, errlen)) {
	case RECORD_OK:
		return READ_RECORD;
	case RECORD_SKIP:
		return READ_SKIP;
	default:
		return READ_BAD;
	}
}

/* Choose the reader by the first line: JSON Lines start with '{'. */
static int
reader_sniff(struct reader *r, char *err, size_t errlen)
{
	ssize_t n = getline(&r->buf, &r->cap, r->f);
	const char *p;

	if (n < 0) {
		if (ferror(r->f)) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		r->next = jsonl_next;		/* empty: no records */
		return 0;
	}
	if (n >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(r->buf, r->buf + 3, (size_t)n - 2);
		n -= 3;
	}
	r->pending = n;
	p = r->buf;
	while (p < r->buf + n && *p != '\0' && strchr(" \t\r\n", *p) != NULL)
		p++;
	if (n >= 15 && memcmp(r->buf, "SQLite format 3", 15) == 0)
		snprintf(err, errlen, "a database: not supported by this "
		    "version of replay yet");
	else if (p == r->buf + n || *p == '{') {
		r->next = jsonl_next;
		return 0;
	} else
		snprintf(err, errlen, "not JSON Lines (CSV input is not "
		    "supported by this version of replay yet)");
	return -1;
}

static int
reader_open(struct reader *r, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	memset(r, 0, sizeof(*r));
	r->pending = -1;
	if (strcmp(path, "-") == 0) {
		r->name = "stdin";
		r->f = stdin;
	} else {
		r->name = path;
		if ((r->f = fopen(path, "r")) == NULL) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		if (fstat(fileno(r->f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "is a directory");
			return -1;
		}
	}
	return reader_sniff(r, err, errlen);
}

static void
reader_close(struct reader *r)
{
	if (r->f != NULL && r->f != stdin)
		fclose(r->f);
	free(r->buf);
	r->f = NULL;
	r->buf = NULL;
}

static bool
has_reason(const struct decision *d, enum reason why)
{
	int i;

	for (i = 0; i < d->n_reasons; i++)
		if (d->reasons[i] == why)
			return true;
	return false;
}

static void
count(struct stats *st, const struct measurement *m, const struct decision *d)
{
	int i;

	st->records++;
	st->by_kind[d->kind]++;
	for (i = 0; i < d->n_reasons; i++)
		st->by_reason[d->reasons[i]]++;
	if (d->flag_100t)
		st->flag_100t++;
	if (d->has_limit && m->axles >= 0 && m->axles <= MEAS_MAX_AXLES) {
		st->weighed[m->axles]++;
		if (d->kind == DEC_TURNBACK && has_reason(d, R_OVER_GROSS))
			st->over[m->axles]++;
	}
}

/* Decide one record with its lane's retry count; write its line. */
static int
replay_record(struct replay *rp, const struct record *rec)
{
	int *retries = lane_retries(&rp->lanes, rec->m.lane);
	struct decision d;

	decide(&rec->m, &rp->rules, rp->lists, rec->m.ts_ms, *retries, &d);
	*retries = rules_next_retries(*retries, &d);
	count(&rp->st, &rec->m, &d);
	if (rp->out == NULL)
		return 0;
	sbuf_reset(&rp->line);
	record_decision_json(&rp->line, &rec->m, &d, rp->ruleset, false);
	sbuf_putc(&rp->line, '\n');
	if (fwrite(rp->line.p, 1, rp->line.len, rp->out) != rp->line.len)
		return -1;
	return 0;
}

static void
show_progress(struct replay *rp)
{
	if (rp->progress && rp->st.records % PROGRESS_EVERY == 0)
		fprintf(stderr, "\r%llu records",
		    (unsigned long long)rp->st.records);
}

/* Every record of one input; returns 0 or the exit status to stop with. */
static int
replay_input(struct replay *rp, const char *path)
{
	struct reader r;
	struct record rec;
	char err[256];
	int rc = 0;

	if (reader_open(&r, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "weighgate replay: %s: %s\n", r.name, err);
		reader_close(&r);
		return EX_NOINPUT;
	}
	for (;;) {
		enum read_status st = r.next(&r, &rec, err, sizeof(err));

		if (st == READ_EOF)
			break;
		if (st == READ_ERROR) {
			fprintf(stderr, "weighgate replay: %s: %s\n", r.name, err);
			rc = EX_NOINPUT;
			break;
		}
		if (st == READ_SKIP) {
			rp->st.skipped++;
			continue;
		}
		if (st == READ_BAD) {
			fprintf(stderr, "%s:%ld: %s\n", r.name, r.line, err);
			rp->st.bad++;
			if (rp->strict) {
				rc = EX_DATAERR;
				break;
			}
			continue;
		}
		if (replay_record(rp, &rec) != 0) {
			fprintf(stderr, "weighgate replay: writing the output: %s\n",
			    strerror(errno));
			rc = EX_IOERR;
			break;
		}
		show_progress(rp);
	}
	reader_close(&r);
	return rc;
}

static void
print_summary(FILE *f, const struct stats *st)
{
	int i;

	fprintf(f, "records: %llu\n", (unsigned long long)st->records);
	fprintf(f, "bad lines: %llu\n", (unsigned long long)st->bad);
	fprintf(f, "skipped lines: %llu\n", (unsigned long long)st->skipped);
	for (i = 0; i < DEC_NKINDS; i++)
		fprintf(f, "decision %s: %llu\n",
		    decision_kind_name((enum decision_kind)i),
		    (unsigned long long)st->by_kind[i]);
	for (i = 0; i < R_NREASONS; i++)
		if (st->by_reason[i] > 0)
			fprintf(f, "reason %s: %llu\n",
			    reason_name((enum reason)i),
			    (unsigned long long)st->by_reason[i]);
	for (i = 0; i <= MEAS_MAX_AXLES; i++) {
		uint64_t n = st->weighed[i], o = st->over[i];
		uint64_t x100 = n ? (o * 20000 + n) / (2 * n) : 0;

		if (n > 0)
			fprintf(f, "over-limit %d axles: %llu of %llu "
			    "(%llu.%02llu %%)\n", i, (unsigned long long)o, (unsigned long long)n,
			    (unsigned long long)(x100 / 100),
			    (unsigned long long)(x100 % 100));
	}
	fprintf(f, "flag_100t: %llu\n", (unsigned long long)st->flag_100t);
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
	} else
		rp->rules = cfg->rules;
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
	if (lists_parse(doc, len, &rp->lists, err, sizeof(err)) != 0) {
		fprintf(stderr, "weighgate replay: %s: %s\n", path, err);
		rc = EX_DATAERR;
	}
	free(doc);
	return rc;
}

static int
open_out(struct replay *rp, const char *path)
{
	if (path == NULL)
		return 0;
	if (strcmp(path, "-") == 0)
		rp->out = stdout;
	else if ((rp->out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "weighgate replay: %s: %s\n", path,
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

static int
close_out(struct replay *rp)
{
	int rc = 0;

	if (rp->out == NULL)
		return 0;
	if (fflush(rp->out) != 0 || ferror(rp->out))
		rc = -1;
	if (rp->out != stdout && fclose(rp->out) != 0)
		rc = -1;
	rp->out = NULL;
	if (rc != 0)
		fprintf(stderr, "weighgate replay: writing the output: %s\n",
		    strerror(errno));
	return rc;
}

struct options {
	const char *config, *lists, *out;
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
replay_all(struct replay *rp, int argc, char **argv, int first)
{
	int i, rc = 0;

	for (i = first; i < argc && rc == 0; i++)
		rc = replay_input(rp, argv[i]);
	if (rp->progress && rp->st.records >= PROGRESS_EVERY)
		fprintf(stderr, "\r\033[K");
	if (close_out(rp) != 0 && rc == 0)
		rc = EX_IOERR;
	print_summary(stderr, &rp->st);
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
	sbuf_init(&rp->line);
	rp->strict = o.strict;
	rp->progress = isatty(STDERR_FILENO) == 1;
	if ((rc = load_rules(rp, o.config)) == 0 &&
	    (rc = load_lists(rp, o.lists)) == 0 &&
	    (rc = open_out(rp, o.out)) == 0) {
		rules_id(&rp->rules, rp->ruleset);
		rc = replay_all(rp, argc, argv, first);
	}
	lists_free(rp->lists);
	free(rp->lanes.slots);
	sbuf_fini(&rp->line);
	free(rp);
	return rc;
}
