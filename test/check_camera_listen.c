/*
 * Unit tests of the camera listener's pure decisions (docs/camera.md "The
 * listener"): which sources may push, the basic credentials, which lane's
 * camera a push is.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "weighgate/camera_listen.h"

#include "check_util.h"

static struct sockaddr_storage peer_ss;

/* A peer address as the listener sees it. */
static const struct sockaddr *
peer(const char *addr)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&peer_ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&peer_ss;

	memset(&peer_ss, 0, sizeof(peer_ss));
	if (strchr(addr, ':') != NULL) {
		s6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	} else {
		s4->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	}
	return (const struct sockaddr *)&peer_ss;
}

static bool
allowed(const char *list, const char *addr)
{
	struct camera_nets n;
	char err[128];

	ck_assert_msg(camera_nets_parse(list, &n, err, sizeof(err)) == 0,
	    "%s: %s", list, err);
	return camera_nets_match(&n, peer(addr));
}

START_TEST(nets_match)
{
	ck_assert(allowed("10.1.1.21", "10.1.1.21"));
	ck_assert(!allowed("10.1.1.21", "10.1.1.22"));
	ck_assert(allowed("10.1.1.0/24", "10.1.1.200"));
	ck_assert(!allowed("10.1.1.0/24", "10.1.2.1"));
	ck_assert(allowed("10.1.1.16/28, 10.9.0.1", "10.1.1.31"));
	ck_assert(!allowed("10.1.1.16/28 10.9.0.1", "10.1.1.32"));
	ck_assert(allowed("10.1.1.16/28 10.9.0.1", "10.9.0.1"));
	ck_assert(allowed("0.0.0.0/0", "192.0.2.7"));
	/* an IPv4 peer on a dual-stack socket is its IPv4 address */
	ck_assert(allowed("127.0.0.1", "::ffff:127.0.0.1"));
	ck_assert(!allowed("127.0.0.1", "::1"));
	ck_assert(allowed("fd00:1::/64", "fd00:1::35"));
	ck_assert(!allowed("fd00:1::/64", "fd00:2::35"));
	ck_assert(!allowed("fd00::/8", "10.0.0.1"));
	ck_assert(!camera_nets_match(NULL, peer("10.0.0.1")));
}
END_TEST

START_TEST(nets_refused)
{
	static const char *const bad[] = {
		"", " , ", "camera.lane", "10.1.1", "10.1.1.1/33", "10.1.1.1/",
		"10.1.1.1/x", "fd00::/129", "10.1.1.256", "1.2.3.4;5.6.7.8",
	};
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(camera_nets_parse(bad[i], NULL, err, sizeof(err)) ==
		    -1, "\"%s\" taken", bad[i]);
		ck_assert_msg(err[0] != '\0', "\"%s\": no message", bad[i]);
	}
}
END_TEST

START_TEST(basic_credentials)
{
	/* "cam:lane-secret" */
	ck_assert(camera_basic_ok("Basic Y2FtOmxhbmUtc2VjcmV0", "cam",
	    "lane-secret"));
	ck_assert(camera_basic_ok("basic  Y2FtOmxhbmUtc2VjcmV0", "cam",
	    "lane-secret"));
	ck_assert(!camera_basic_ok("Basic Y2FtOmxhbmUtc2VjcmV0", "cam",
	    "lane-secreT"));
	ck_assert(!camera_basic_ok("Basic Y2FtOmxhbmUtc2VjcmV0", "ca",
	    "m:lane-secret"));
	ck_assert(!camera_basic_ok("Bearer Y2FtOmxhbmUtc2VjcmV0", "cam",
	    "lane-secret"));
	ck_assert(!camera_basic_ok("Basic Y2FtOmxhbmUtc2VjcmV0=", "cam",
	    "lane-secret"));
	ck_assert(!camera_basic_ok("Basic !!!!", "cam", "lane-secret"));
	ck_assert(!camera_basic_ok("Basic ", "cam", "lane-secret"));
	ck_assert(!camera_basic_ok(NULL, "cam", "lane-secret"));
	/* "cam:" with a NUL inside is refused, not cut */
	ck_assert(!camera_basic_ok("Basic Y2FtOgB4", "cam", ""));
}
END_TEST

static struct camera_read
push_of(const char *camera, const char *channel)
{
	struct camera_read r;

	memset(&r, 0, sizeof(r));
	snprintf(r.camera, sizeof(r.camera), "%s", camera);
	snprintf(r.channel, sizeof(r.channel), "%s", channel);
	return r;
}

START_TEST(routes)
{
	struct camera_nets l2src;
	struct camera_route rt[3] = {
		{ "CAM-L01", "", NULL },
		{ "", "", &l2src },
		{ "NVR-1", "3", NULL },
	};
	struct camera_read r;
	char err[64];

	ck_assert_int_eq(camera_nets_parse("10.1.1.22", &l2src, err,
	    sizeof(err)), 0);
	r = push_of("CAM-L01", "1");
	ck_assert_int_eq(camera_route_find(rt, 3, peer("10.1.1.21"), &r), 0);
	r = push_of("whatever", "1");
	ck_assert_int_eq(camera_route_find(rt, 3, peer("10.1.1.22"), &r), 1);
	r = push_of("NVR-1", "3");
	ck_assert_int_eq(camera_route_find(rt, 3, peer("10.1.1.30"), &r), 2);
	r = push_of("NVR-1", "4");
	ck_assert_int_eq(camera_route_find(rt, 3, peer("10.1.1.30"), &r), -1);
	r = push_of("", "");
	ck_assert_int_eq(camera_route_find(rt, 3, peer("10.1.1.30"), &r), -1);
}
END_TEST

/* One camera lane that names nothing takes every allowed push; two do not. */
START_TEST(route_unnamed)
{
	struct camera_route one[1] = { { "", "", NULL } };
	struct camera_route two[2] = { { "", "", NULL }, { NULL, NULL, NULL } };
	struct camera_read r = push_of("X", "1");

	ck_assert_int_eq(camera_route_find(one, 1, peer("10.0.0.9"), &r), 0);
	ck_assert_int_eq(camera_route_find(two, 2, peer("10.0.0.9"), &r), -1);
	ck_assert_int_eq(camera_route_find(one, 0, peer("10.0.0.9"), &r), -1);
}
END_TEST

static Suite *
camera_listen_suite(void)
{
	Suite *s = suite_create("camera_listen");

	cu_tcase(s, "sources", 10, NULL, NULL, nets_match, nets_refused);
	cu_tcase(s, "credentials", 10, NULL, NULL, basic_credentials);
	cu_tcase(s, "routes", 10, NULL, NULL, routes, route_unnamed);
	return s;
}

CU_MAIN(camera_listen_suite)
