/* weighgate-sim: the timeline, one JSON line per thing that happened, flushed per line. */
#include <stdio.h>

#include "weighgate/log.h"
#include "weighgate/timefmt.h"

#include "sim.h"

int
timeline_open(struct sim *s, const char *path)
{
	sbuf_init(&s->tlbuf);
	if (path == NULL)
		return 0;
	if ((s->tl = fopen(path, "w")) == NULL) {
		log_warn("timeline %s", path);
		return -1;
	}
	return 0;
}

void
timeline_close(struct sim *s)
{
	if (s->tl != NULL)
		fclose(s->tl);
	s->tl = NULL;
	sbuf_fini(&s->tlbuf);
}

/*
 * Start a line: {"t":…,"mono_ms":…,"lane":…,"what":…  The caller appends
 * ,"key":value pairs to the returned buffer and calls timeline_end().
 */
struct sbuf *
timeline_begin(struct sim *s, const struct sim_lane *l, const char *what)
{
	char ts[TS_TEXT_LEN + 1];
	struct sbuf *b = &s->tlbuf;

	ts_format(ts_now_ms(), ts);
	sbuf_reset(b);
	sbuf_printf(b, "{\"t\":\"%s\",\"mono_ms\":", ts);
	sbuf_put_i64(b, ts_mono_ms());
	sbuf_puts(b, ",\"lane\":");
	sbuf_put_json_str(b, l->name);
	sbuf_puts(b, ",\"what\":");
	sbuf_put_json_str(b, what);
	return b;
}

/* Close the line and write it out at once. */
void
timeline_end(struct sim *s)
{
	struct sbuf *b = &s->tlbuf;

	sbuf_puts(b, "}\n");
	if (s->tl == NULL)
		return;
	if (fwrite(b->p, 1, b->len, s->tl) != b->len || fflush(s->tl) != 0)
		log_warn("timeline");
}
