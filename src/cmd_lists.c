/* weighgate lists: import a list document into the store, or show the lists in force. */
/*
 *	weighgate lists import [-c CONFIG | --db PATH] FILE
 *	weighgate lists show [-c CONFIG | --db PATH]
 *
 * The database comes from CONFIG's [controller] db (default config
 * /etc/weighgate/weighgate.conf), or straight from --db.  An import is
 * validated whole by lists_parse; a good document replaces the stored lists
 * with source "local" and records a lists_applied event in the same
 * transaction, a bad one changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "weighgate/cmd.h"
#include "weighgate/config.h"
#include "weighgate/lists.h"
#include "weighgate/sbuf.h"
#include "weighgate/store.h"
#include "weighgate/timefmt.h"

#define EXIT_USAGE	2
#define EXIT_DATAERR	65	/* a bad list document */
#define EXIT_NOINPUT	66	/* a file that cannot be read */
#define EXIT_STORE	70	/* the store failed */
#define DEFAULT_CONFIG	"/etc/weighgate/weighgate.conf"

struct opts {
	const char *verb;	/* "import" or "show" */
	const char *config;
	const char *db;
	const char *file;
};

/* Where the database is, and its cap. */
struct target {
	char db[CFG_PATH_MAX];
	int64_t max_mb;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: weighgate lists import [-c CONFIG | --db PATH] FILE\n"
	    "       weighgate lists show [-c CONFIG | --db PATH]\n");
}

void
cmd_warn(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* An error of this command, on standard error. */
#define lwarn(...) cmd_warn("weighgate lists", __VA_ARGS__)

/* Options and operands after the verb; -1 on a usage error. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	if (argc < 2)
		return -1;
	o->verb = argv[1];
	if (strcmp(o->verb, "import") != 0 && strcmp(o->verb, "show") != 0) {
		lwarn("unknown command '%s'", o->verb);
		return -1;
	}
	for (i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--db") == 0) && i + 1 < argc) {
			if (argv[i][1] == 'c')
				o->config = argv[++i];
			else
				o->db = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			lwarn("unknown option or missing value: %s", argv[i]);
			return -1;
		} else if (o->file == NULL && strcmp(o->verb, "import") == 0)
			o->file = argv[i];
		else {
			lwarn("unexpected argument: %s", argv[i]);
			return -1;
		}
	}
	if (o->config != NULL && o->db != NULL) {
		lwarn("-c and --db exclude each other");
		return -1;
	}
	if (strcmp(o->verb, "import") == 0 && o->file == NULL)
		return -1;
	return 0;
}

/* The database path: --db, or the configuration's; 0 or an exit status. */
static int
find_target(const struct opts *o, struct target *t)
{
	struct config *cfg;
	char err[1024];
	const char *path = o->config != NULL ? o->config : DEFAULT_CONFIG;

	t->max_mb = 0;
	if (o->db != NULL) {
		snprintf(t->db, sizeof(t->db), "%s", o->db);
		return 0;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		lwarn("out of memory");
		return EXIT_STORE;
	}
	if (cfg_load(path, CFG_DAEMON, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		free(cfg);
		return CFG_EX_CONFIG;
	}
	snprintf(t->db, sizeof(t->db), "%s", cfg->controller.db);
	t->max_mb = cfg->controller.db_max_mb;
	free(cfg);
	return 0;
}

/* Read all of fd into *doc (NUL-terminated), at most LISTS_MAX_DOC_BYTES. */
static int
read_all(int fd, const char *file, char **doc, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *p = NULL, *q;
	ssize_t r;

	for (;;) {
		if (n + 1 >= cap || p == NULL) {
			if (p != NULL)
				cap *= 2;
			if ((q = realloc(p, cap)) == NULL) {
				lwarn("%s: out of memory", file);
				goto fail;
			}
			p = q;
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			lwarn("%s: %s", file, strerror(errno));
			free(p);
			return EXIT_NOINPUT;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > LISTS_MAX_DOC_BYTES) {
			lwarn("%s: larger than %u bytes", file,
			    LISTS_MAX_DOC_BYTES);
			goto fail;
		}
	}
	p[n] = '\0';
	*doc = p;
	*len = n;
	return 0;
fail:
	free(p);
	return EXIT_DATAERR;
}

/* The file as text; 0 or an exit status. */
static int
read_doc(const char *file, char **doc, size_t *len)
{
	struct stat sb;
	int fd, rc;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		lwarn("%s: %s", file, strerror(errno));
		return EXIT_NOINPUT;
	}
	if (fstat(fd, &sb) == -1 || S_ISDIR(sb.st_mode)) {
		lwarn("%s: %s", file, S_ISDIR(sb.st_mode) ? "a directory" :
		    strerror(errno));
		close(fd);
		return EXIT_NOINPUT;
	}
	rc = read_all(fd, file, doc, len);
	close(fd);
	return rc;
}

/* Save the validated document and its event, both or neither. */
static int
import_into(const struct target *t, const char *doc, const struct lists *l)
{
	struct store_appended ap;
	char err[1024], *body;
	store_t *s;
	int rc = EXIT_STORE;

	if ((s = store_open(t->db, t->max_mb, err, sizeof(err))) == NULL) {
		lwarn("%s", err);
		return EXIT_STORE;
	}
	if ((body = lists_applied_body(l, "local")) == NULL)
		lwarn("out of memory");
	else if (store_lists_apply(s, doc, "local", ts_now_ms(), body,
	    &ap) != STORE_OK)
		lwarn("%s: %s", t->db, store_errmsg(s));
	else {
		printf("lists %s imported into %s: %zu watch, %zu exempt, "
		    "%zu permits (event seq %lld)\n", lists_version(l), t->db,
		    lists_count_watch(l), lists_count_exempt(l),
		    lists_count_permits(l), (long long)ap.seq);
		rc = 0;
	}
	free(body);
	store_close(s);
	return rc;
}

static int
cmd_import(const struct opts *o)
{
	struct target t;
	struct lists *l = NULL;
	char err[512], *doc = NULL;
	size_t len;
	int rc;

	if ((rc = find_target(o, &t)) != 0)
		return rc;
	if ((rc = read_doc(o->file, &doc, &len)) != 0)
		return rc;
	if (lists_parse(doc, len, &l, err, sizeof(err)) != 0) {
		lwarn("%s: %s (nothing changed)", o->file, err);
		free(doc);
		return EXIT_DATAERR;
	}
	rc = import_into(&t, doc, l);
	lists_free(l);
	free(doc);
	return rc;
}

/* ---- show ---- */

/* The next UTF-8 code point of *s (advanced), U+FFFD for a bad byte. */
static unsigned
next_cp(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned cp, n, i;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	n = p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : p[0] >= 0xc0 ? 1 : 0;
	cp = p[0] & (0x3fu >> n);
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			break;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (n == 0 || i <= n || n > 3) {
		*s = p + 1;
		return 0xfffd;
	}
	*s = p + n + 1;
	return cp;
}

/* Columns a code point takes on a terminal: CJK and full-width are two. */
static int
cp_width(unsigned cp)
{
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/*
 * Print text padded to width columns (0: no padding).  Control characters
 * become '?', so a list document cannot drive the terminal.
 */
static void
put_cell(const char *text, int width)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *start;
	int used = 0;
	unsigned cp;

	while (*p != '\0') {
		start = p;
		cp = next_cp(&p);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			putchar('?');
		else
			fwrite(start, 1, (size_t)(p - start), stdout);
		used += cp_width(cp);
	}
	for (; width > 0 && used < width; used++)
		putchar(' ');
	if (width > 0)
		putchar(' ');
}

/* A member as text for the table: strings as they are, null as dflt. */
static const char *
field(const cJSON *o, const char *name, const char *dflt, char *buf,
    size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (cJSON_IsString(v) && v->valuestring != NULL)
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		snprintf(buf, len, "%.15g", v->valuedouble);
		return buf;
	}
	return dflt;
}

static void
show_entries(const cJSON *root, const char *name, const char *title)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, name);
	const cJSON *e;
	char b[64];

	printf("\n%s (%d)\n", title, cJSON_GetArraySize(arr));
	if (cJSON_GetArraySize(arr) == 0)
		return;
	printf("  %-16s %-12s %-26s %s\n", "PLATE", "COLOUR", "UNTIL", "REASON");
	cJSON_ArrayForEach(e, arr) {
		printf("  ");
		put_cell(field(e, "plate", "", b, sizeof(b)), 16);
		put_cell(field(e, "color", "any", b, sizeof(b)), 12);
		put_cell(field(e, "until", "-", b, sizeof(b)), 26);
		put_cell(field(e, "reason", "", b, sizeof(b)), 0);
		putchar('\n');
	}
}

static void
show_permits(const cJSON *root)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "permits");
	const cJSON *e;
	char b[64];

	printf("\npermits (%d)\n", cJSON_GetArraySize(arr));
	if (cJSON_GetArraySize(arr) == 0)
		return;
	printf("  %-12s %-16s %-12s %-5s %-12s %-26s %s\n", "ID", "PLATE",
	    "COLOUR", "AXLES", "MAX_GROSS_KG", "VALID_FROM", "VALID_UNTIL");
	cJSON_ArrayForEach(e, arr) {
		printf("  ");
		put_cell(field(e, "id", "", b, sizeof(b)), 12);
		put_cell(field(e, "plate", "", b, sizeof(b)), 16);
		put_cell(field(e, "color", "any", b, sizeof(b)), 12);
		put_cell(field(e, "axles", "", b, sizeof(b)), 5);
		put_cell(field(e, "max_gross_kg", "", b, sizeof(b)), 12);
		put_cell(field(e, "valid_from", "", b, sizeof(b)), 26);
		put_cell(field(e, "valid_until", "", b, sizeof(b)), 0);
		putchar('\n');
	}
}

/* Print the stored document: header from lists_parse, entries from JSON. */
static int
show_doc(const char *doc, const char *source, int64_t ts_ms)
{
	struct lists *l = NULL;
	cJSON *root;
	char err[512], ts[TS_TEXT_LEN + 1];

	if (lists_parse(doc, strlen(doc), &l, err, sizeof(err)) != 0 ||
	    (root = cJSON_Parse(doc)) == NULL) {
		lwarn("stored lists do not parse: %s", err);
		lists_free(l);
		return EXIT_DATAERR;
	}
	ts_format(ts_ms, ts);
	printf("version  ");
	put_cell(lists_version(l), 0);
	printf("\nsource   %s\napplied  %s\ncounts   %zu watch, %zu exempt, "
	    "%zu permits\n", source, ts, lists_count_watch(l),
	    lists_count_exempt(l), lists_count_permits(l));
	show_entries(root, "watch", "watch list");
	show_entries(root, "exempt", "exempt list");
	show_permits(root);
	cJSON_Delete(root);
	lists_free(l);
	return 0;
}

static int
cmd_show(const struct opts *o)
{
	struct target t;
	char err[1024], source[16], *doc = NULL;
	int64_t ts_ms;
	store_t *s;
	int rc;

	if ((rc = find_target(o, &t)) != 0)
		return rc;
	/* Showing must not create a database where there was none. */
	if (access(t.db, F_OK) != 0) {
		lwarn("%s: %s", t.db, strerror(errno));
		return EXIT_NOINPUT;
	}
	if ((s = store_open(t.db, 0, err, sizeof(err))) == NULL) {
		lwarn("%s", err);
		return EXIT_STORE;
	}
	if (store_lists_load(s, &doc, source, &ts_ms) != 0) {
		lwarn("%s: %s", t.db, store_errmsg(s));
		rc = EXIT_STORE;
	} else if (doc == NULL)
		printf("no lists stored in %s\n", t.db);
	else
		rc = show_doc(doc, source, ts_ms);
	free(doc);
	store_close(s);
	return rc;
}

int
cmd_lists(int argc, char **argv)
{
	struct opts o;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(o.verb, "import") == 0)
		return cmd_import(&o);
	return cmd_show(&o);
}
