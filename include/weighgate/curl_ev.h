/* libcurl multi driven by a libevent loop (curl's hiperfifo.c pattern). */
#ifndef WEIGHGATE_CURL_EV_H
#define WEIGHGATE_CURL_EV_H

#include <curl/curl.h>
#include <event2/event.h>

struct curl_ev;

/*
 * Called on the loop when a transfer ends, after the easy handle has left
 * the multi: result is the transfer's CURLcode.  The callee owns easy again
 * (it may free it or reuse it).
 */
typedef void (*curl_ev_done_fn)(CURL *easy, CURLcode result, void *arg);

/* One multi handle on base, for the life of the process; NULL on failure. */
struct curl_ev *curl_ev_new(struct event_base *base);
/* Abort every transfer still running (their callbacks are not called). */
void curl_ev_free(struct curl_ev *ce);

/*
 * Start a transfer; done(easy, result, arg) fires when it ends.  Uses the
 * handle's CURLOPT_PRIVATE.  Returns 0 or -1 (nothing started).
 */
int curl_ev_add(struct curl_ev *ce, CURL *easy, curl_ev_done_fn done,
    void *arg);

#endif
