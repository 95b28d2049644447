/*
 * weighgate-sim: the lanes' ANPR cameras (docs/camera.md "The simulator's
 * camera").  With --camera URL every vehicle's plate is posted to the
 * daemon's camera listener --camera-offset-ms from the moment its weighing
 * result is published (negative: before it), as a Hikvision ISAPI alarm
 * (XML, multipart with a small JPEG) or the generic JSON push.  The camera
 * of lane L01 is deviceID "CAM-L01", channel 1.  --camera-mode says what
 * the camera does (--camera-plate: it reads that plate, not the vehicle's
 * of the traffic file): plate, noplate (无车牌), skip (no read, heartbeats
 * only), two (the plate, then --camera-second 200 ms later), repeat (the
 * plate twice, 200 ms apart) or silent (nothing at all).  A vehicle's
 * camera_* keys in the traffic file override these for that vehicle.  Heartbeats (videoloss, inactive) every
 * --camera-heartbeat-ms.
 *
 * The posts are made by one thread of their own with libcurl (blocking,
 * bounded by a 2 s timeout); the physics only queues them, under sim->mu.
 * Each post is a timeline line "camera" with the plate, the format and the
 * HTTP status the listener answered.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "weighgate/log.h"
#include "weighgate/timefmt.h"

#include "sim.h"

#define CAM_QUEUE	256
#define CAM_SECOND_MS	200	/* the second plate of --camera-mode two */
#define CAM_TIMEOUT_MS	2000
#define CAM_POLL_MS	5

struct cam_post {
	int64_t due;			/* mono ms */
	int lane;			/* index into sim->lanes */
	bool heartbeat;
	bool has_plate;
	char plate[MEAS_PLATE_MAX];
	enum pcolor color;
};

struct sim_camera {
	pthread_t thr;
	bool started;
	CURL *curl;
	struct cam_post q[CAM_QUEUE];	/* under sim->mu */
	int n;
	int64_t next_beat;
};

static const char *const format_names[] = { "xml", "multipart", "json",
	"generic", NULL };
static const char *const mode_names[] = { "plate", "noplate", "skip", "two",
	"silent", "repeat", NULL };

/* The index of s among names, or -1. */
static int
word_of(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* Milliseconds in [min, max] into *out; -1 (said) when not. */
static int
ms_arg(const char *name, const char *arg, long min, long max, int64_t *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end != '\0' || v < min || v > max) {
		log_warnx("%s %s: not a number of ms in %ld..%ld", name, arg, min,
		    max);
		return -1;
	}
	*out = v;
	return 0;
}

int
sim_camera_mode_of(const char *word)
{
	return word_of(mode_names, word);
}

int
sim_camera_option(struct sim_opts *o, int ch, const char *name,
    const char *arg)
{
	int w;

	switch (ch) {
	case SIM_CAM_OPT_URL:
		o->camera_url = arg;
		if (o->camera_second == NULL)
			o->camera_second = "苏E99999";
		return 0;
	case SIM_CAM_OPT_FORMAT:
	case SIM_CAM_OPT_MODE:
		w = word_of(ch == SIM_CAM_OPT_FORMAT ? format_names : mode_names,
		    arg);
		if (w < 0) {
			log_warnx("%s %s: unknown", name, arg);
			return -1;
		}
		*(ch == SIM_CAM_OPT_FORMAT ? &o->camera_format :
		    &o->camera_mode) = w;
		return 0;
	case SIM_CAM_OPT_OFFSET:
		return ms_arg(name, arg, -30000, 30000, &o->camera_offset_ms);
	case SIM_CAM_OPT_BEAT:
		return ms_arg(name, arg, 0, 3600000, &o->camera_heartbeat_ms);
	case SIM_CAM_OPT_SECOND:
		o->camera_second = arg;
		return 0;
	case SIM_CAM_OPT_PLATE:
		o->camera_plate = arg;
		return 0;
	default:
		o->camera_user = arg;
		return 0;
	}
}

/* Queue one post (sim->mu held); a full queue drops it, said once. */
static void
enqueue(struct sim *s, const struct cam_post *p)
{
	struct sim_camera *c = s->cam;

	if (c->n == CAM_QUEUE) {
		log_warnx("camera: %d posts waiting: one dropped", CAM_QUEUE);
		return;
	}
	c->q[c->n++] = *p;
}

void
sim_camera_vehicle(struct sim *s, const struct sim_lane *l,
    const struct sim_item *it, int64_t result_at, int64_t now)
{
	struct cam_post p;
	int mode = it->cam_mode >= 0 ? it->cam_mode : s->o.camera_mode;
	const char *plate = it->cam_plate[0] != '\0' ? it->cam_plate :
	    s->o.camera_plate != NULL ? s->o.camera_plate : it->m.plate;

	if (s->cam == NULL || mode == SIM_CAM_SILENT || mode == SIM_CAM_SKIP)
		return;
	memset(&p, 0, sizeof(p));
	p.due = result_at + (it->cam_has_offset ? it->cam_offset_ms :
	    s->o.camera_offset_ms);
	if (p.due < now)
		p.due = now;
	p.lane = l->no - 1;
	snprintf(p.plate, sizeof(p.plate), "%s", plate);
	p.has_plate = mode != SIM_CAM_NOPLATE && p.plate[0] != '\0';
	p.color = it->m.plate_color;
	enqueue(s, &p);
	if (mode != SIM_CAM_TWO && mode != SIM_CAM_REPEAT)
		return;
	p.due += CAM_SECOND_MS;
	if (mode == SIM_CAM_TWO)
		snprintf(p.plate, sizeof(p.plate), "%s", it->cam_second[0] != '\0' ?
		    it->cam_second : s->o.camera_second);
	enqueue(s, &p);
}

/* ---- the bodies ---- */

/* text with &, < and > escaped for XML. */
static void
put_xml_text(struct sbuf *b, const char *text)
{
	for (; *text != '\0'; text++)
		if (*text == '&')
			sbuf_puts(b, "&amp;");
		else if (*text == '<')
			sbuf_puts(b, "&lt;");
		else if (*text == '>')
			sbuf_puts(b, "&gt;");
		else
			sbuf_putc(b, *text);
}

static void
put_now_iso(struct sbuf *b)
{
	char ts[TS_TEXT_LEN + 1];

	ts_format(ts_now_ms(), ts);
	sbuf_puts(b, ts);
}

/* The ISAPI EventNotificationAlert of a post, in XML. */
static void
body_xml(struct sbuf *b, const struct sim *s, const struct cam_post *p)
{
	sbuf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	    "<EventNotificationAlert version=\"2.0\" "
	    "xmlns=\"http://www.isapi.org/ver20/XMLSchema\">\r\n"
	    "<ipAddress>127.0.0.1</ipAddress>\r\n<portNo>80</portNo>\r\n"
	    "<protocol>HTTP</protocol>\r\n<channelID>1</channelID>\r\n"
	    "<dateTime>");
	put_now_iso(b);
	sbuf_printf(b, "</dateTime>\r\n<activePostCount>1</activePostCount>\r\n"
	    "<eventType>%s</eventType>\r\n<eventState>%s</eventState>\r\n"
	    "<deviceID>CAM-%s</deviceID>\r\n", p->heartbeat ? "videoloss" :
	    "ANPR", p->heartbeat ? "inactive" : "active",
	    s->lanes[p->lane].name);
	if (!p->heartbeat) {
		sbuf_puts(b, "<ANPR>\r\n<licensePlate>");
		put_xml_text(b, p->has_plate ? p->plate : "无车牌");
		sbuf_printf(b, "</licensePlate>\r\n<confidenceLevel>95"
		    "</confidenceLevel>\r\n<plateColor>%s</plateColor>\r\n"
		    "</ANPR>\r\n", p->color == PC_UNKNOWN ? "unknown" :
		    meas_color_name(p->color));
	}
	sbuf_puts(b, "</EventNotificationAlert>\r\n");
}

/* The generic push (a heartbeat is an ISAPI one: the generic has none). */
static void
body_generic(struct sbuf *b, const struct sim *s, const struct cam_post *p)
{
	sbuf_printf(b, "{\"camera\":\"CAM-%s\",\"ts\":\"", s->lanes[p->lane].name);
	put_now_iso(b);
	sbuf_puts(b, "\",\"plate\":");
	sbuf_put_json_str(b, p->has_plate ? p->plate : "");
	sbuf_printf(b, ",\"color\":\"%s\",\"confidence\":95}",
	    p->color == PC_UNKNOWN ? "unknown" : meas_color_name(p->color));
}

#define BOUNDARY "weighgate-sim-boundary"

/* The alarm as a multipart part, then a small JPEG of the plate. */
static void
body_multipart(struct sbuf *b, const struct sim *s, const struct cam_post *p)
{
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10,
	    'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
	    0x00, 0x00, 0xff, 0xd9 };
	struct sbuf x;

	sbuf_init(&x);
	body_xml(&x, s, p);
	sbuf_printf(b, "--" BOUNDARY "\r\nContent-Disposition: form-data; "
	    "name=\"anpr.xml\"; filename=\"anpr.xml\"\r\nContent-Type: text/xml; "
	    "charset=\"UTF-8\"\r\nContent-Length: %zu\r\n\r\n", x.len);
	sbuf_putn(b, x.p, x.len);
	sbuf_printf(b, "\r\n--" BOUNDARY "\r\nContent-Disposition: form-data; "
	    "name=\"licensePlatePicture.jpg\"; filename=\"licensePlatePicture."
	    "jpg\"\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n\r\n",
	    sizeof(jpeg));
	sbuf_putn(b, (const char *)jpeg, sizeof(jpeg));
	sbuf_puts(b, "\r\n--" BOUNDARY "--\r\n");
	sbuf_fini(&x);
}

/* The body and its Content-Type for the configured format. */
static const char *
body_of(struct sbuf *b, const struct sim *s, const struct cam_post *p)
{
	int f = s->o.camera_format;

	if (f == SIM_CAM_GENERIC && !p->heartbeat) {
		body_generic(b, s, p);
		return "Content-Type: application/json";
	}
	if (f == SIM_CAM_MULTIPART && !p->heartbeat) {
		body_multipart(b, s, p);
		return "Content-Type: multipart/form-data; boundary=" BOUNDARY;
	}
	if (f == SIM_CAM_JSON && !p->heartbeat) {
		/* the ISAPI JSON alarm has the XML's fields (docs/camera.md) */
		sbuf_printf(b, "{\"eventType\":\"ANPR\",\"eventState\":\"active\","
		    "\"deviceID\":\"CAM-%s\",\"channelID\":1,\"dateTime\":\"",
		    s->lanes[p->lane].name);
		put_now_iso(b);
		sbuf_puts(b, "\",\"ANPR\":{\"licensePlate\":");
		sbuf_put_json_str(b, p->has_plate ? p->plate : "无车牌");
		sbuf_printf(b, ",\"confidenceLevel\":95,\"plateColor\":\"%s\"}}",
		    p->color == PC_UNKNOWN ? "unknown" :
		    meas_color_name(p->color));
		return "Content-Type: application/json";
	}
	body_xml(b, s, p);
	return "Content-Type: application/xml; charset=\"UTF-8\"";
}

/* ---- posting ---- */

static size_t
discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

/* POST one; the HTTP status, 0 when there was no answer. */
static long
post(struct sim *s, const struct cam_post *p)
{
	struct sim_camera *c = s->cam;
	struct curl_slist *h = NULL;
	long code = 0;
	struct sbuf b;

	sbuf_init(&b);
	h = curl_slist_append(h, body_of(&b, s, p));
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, s->o.camera_url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, b.p);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)b.len);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)CAM_TIMEOUT_MS);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, discard);
	if (s->o.camera_user != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c->curl, CURLOPT_USERPWD, s->o.camera_user);
	}
	if (curl_easy_perform(c->curl) == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	sbuf_fini(&b);
	return code;
}

/* The post made: a timeline line (sim->mu held). */
static void
tl_post(struct sim *s, const struct cam_post *p, long code)
{
	struct sbuf *b = timeline_begin(s, &s->lanes[p->lane], "camera");

	sbuf_printf(b, ",\"post\":\"%s\",\"plate\":", p->heartbeat ?
	    "heartbeat" : format_names[s->o.camera_format]);
	if (p->heartbeat)
		sbuf_puts(b, "null");
	else
		sbuf_put_json_str(b, p->has_plate ? p->plate : "");
	sbuf_printf(b, ",\"status\":%ld", code);
	timeline_end(s);
}

/* The next post due at now, taken off the queue (sim->mu held). */
static bool
take_due(struct sim *s, int64_t now, struct cam_post *out)
{
	struct sim_camera *c = s->cam;
	int i, best = -1;

	for (i = 0; i < c->n; i++)
		if (c->q[i].due <= now && (best < 0 || c->q[i].due < c->q[best].due))
			best = i;
	if (best >= 0) {
		*out = c->q[best];
		c->q[best] = c->q[--c->n];
		return true;
	}
	if (s->o.camera_heartbeat_ms <= 0 || now < c->next_beat ||
	    s->o.camera_mode == SIM_CAM_SILENT)
		return false;
	c->next_beat = now + s->o.camera_heartbeat_ms;
	memset(out, 0, sizeof(*out));
	out->heartbeat = true;
	out->lane = (int)(now / s->o.camera_heartbeat_ms) % s->nlanes;
	return true;
}

/* The camera thread: post what is due, one at a time. */
static void *
camera_thread(void *arg)
{
	struct sim *s = arg;
	struct timespec ts = { 0, CAM_POLL_MS * 1000000L };
	struct cam_post p;
	bool got;
	long code;

	while (!s->stop) {
		pthread_mutex_lock(&s->mu);
		got = take_due(s, ts_mono_ms(), &p);
		pthread_mutex_unlock(&s->mu);
		if (!got) {
			nanosleep(&ts, NULL);
			continue;
		}
		code = post(s, &p);
		pthread_mutex_lock(&s->mu);
		tl_post(s, &p, code);
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

int
sim_camera_start(struct sim *s)
{
	struct sim_camera *c;

	if (s->o.camera_url == NULL)
		return 0;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (c->curl = curl_easy_init()) == NULL) {
		log_warnx("camera: cannot set up libcurl");
		free(c);
		return -1;
	}
	s->cam = c;
	if (pthread_create(&c->thr, NULL, camera_thread, s) != 0) {
		log_warnx("camera: no thread");
		return -1;
	}
	c->started = true;
	log_info("camera: posting %s to %s, %+lld ms from each result (%s)",
	    format_names[s->o.camera_format], s->o.camera_url,
	    (long long)s->o.camera_offset_ms, mode_names[s->o.camera_mode]);
	return 0;
}

/* After s->stop is set. */
void
sim_camera_stop(struct sim *s)
{
	struct sim_camera *c = s->cam;

	if (c == NULL)
		return;
	if (c->started)
		pthread_join(c->thr, NULL);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_global_cleanup();
	free(c);
	s->cam = NULL;
}
