/*
 * One line of an INI-style file for libinih's ini_parse_stream_ex(),
 * read and checked the same way for the main configuration (config.c)
 * and the device profiles (profile_parse.c): the newline (and a CR before
 * it) taken off, a NUL byte or a line over max bytes refused, a UTF-8
 * BOM on line 1 passed over.
 */
#ifndef WEIGHGATE_INILINE_H
#define WEIGHGATE_INILINE_H

#include <stddef.h>
#include <stdio.h>

struct iniline {
	FILE *fp;
	char *buf;		/* getline()'s buffer; free() it after */
	size_t bufsz;
	int line;		/* the number of the line last read */
};

/*
 * The next line into str (num bytes): 1 with *text set to its text (after
 * a BOM on line 1), 0 at the end of the file, -1 with a message in msg.
 */
int iniline_read(struct iniline *r, char *str, int num, int max,
    const char **text, char *msg, size_t msglen);

#endif
