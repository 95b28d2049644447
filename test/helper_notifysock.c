/*
 * A stand-in for the service manager's notification socket, for the
 * scenario tests: helper_notifysock PATH OUT binds a datagram socket at
 * PATH and appends one line per datagram to OUT, flushed:
 * "MONO_MS MESSAGE", the message's newlines written as '|'.  Prints
 * "ready" on standard output once bound; ends on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct sigaction act;
	char buf[8192];
	FILE *out;
	ssize_t n, k;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: helper_notifysock PATH OUT\n");
		return 2;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_stop;	/* no SA_RESTART: recv returns EINTR */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror(argv[1]);
		return 1;
	}
	if ((out = fopen(argv[2], "a")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) == -1) {
			if (errno == EINTR)
				continue;
			perror("recv");
			return 1;
		}
		for (k = 0; k < n; k++)
			if (buf[k] == '\n' || buf[k] == '\0')
				buf[k] = '|';
		buf[n] = '\0';
		fprintf(out, "%lld %s\n", mono_ms(), buf);
		fflush(out);
	}
	fclose(out);
	close(fd);
	unlink(argv[1]);
	return 0;
}
