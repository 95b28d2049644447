/*
 * The list document served by GET /v1/lists: read from a file, validated
 * with lists_parse, re-read when the file changes, with its ETag.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weighgate/chain.h"
#include "weighgate/lists.h"
#include "weighgate/log.h"

#include "platform.h"

struct listfile {
	char *path;
	char *doc;			/* NULL until a valid one was read */
	size_t len;
	char etag[67];
	struct stat seen;		/* of the file last looked at */
	int looked;
};

struct listfile *
listfile_new(const char *path)
{
	struct listfile *lf;

	if ((lf = calloc(1, sizeof(*lf))) == NULL ||
	    (lf->path = strdup(path)) == NULL) {
		free(lf);
		return NULL;
	}
	return lf;
}

void
listfile_free(struct listfile *lf)
{
	if (lf == NULL)
		return;
	free(lf->doc);
	free(lf->path);
	free(lf);
}

/* Grow buf to cap bytes; NULL (buf freed) on failure or past the limit. */
static char *
grow(char *buf, size_t cap)
{
	char *p;

	if (cap > (size_t)LISTS_MAX_DOC_BYTES + 1 ||
	    (p = realloc(buf, cap)) == NULL) {
		free(buf);
		return NULL;
	}
	return p;
}

/* Read the whole file, bounded; NULL on error (logged). */
static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return NULL;
	}
	for (;;) {
		if (n == cap && (buf = grow(buf, cap = cap ? cap * 2 : 65536)) ==
		    NULL)
			goto fail;
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
fail:
	log_warnx("%s: unreadable or larger than %u bytes", path,
	    LISTS_MAX_DOC_BYTES);
	free(buf);
	close(fd);
	return NULL;
}

/* The file is not the one looked at last time (a new inode, size or mtime). */
static int
changed(const struct listfile *lf, const struct stat *sb)
{
	return lf->looked != 1 || sb->st_ino != lf->seen.st_ino ||
	    sb->st_dev != lf->seen.st_dev || sb->st_size != lf->seen.st_size ||
	    sb->st_mtim.tv_sec != lf->seen.st_mtim.tv_sec ||
	    sb->st_mtim.tv_nsec != lf->seen.st_mtim.tv_nsec;
}

/* Read and validate the file; a bad one is logged and the old one stays. */
static void
reload(struct listfile *lf)
{
	struct lists *l = NULL;
	char err[256], *doc;
	size_t len = 0;

	if ((doc = slurp(lf->path, &len)) == NULL)
		return;
	if (lists_parse(doc, len, &l, err, sizeof(err)) != 0) {
		log_warnx("%s: not served: %s", lf->path, err);
		free(doc);
		return;
	}
	log_info("%s: serving lists version %s (%zu watch, %zu exempt, "
	    "%zu permits)", lf->path, lists_version(l), lists_count_watch(l),
	    lists_count_exempt(l), lists_count_permits(l));
	lists_free(l);
	free(lf->doc);
	lf->doc = doc;
	lf->len = len;
	lf->etag[0] = '"';
	chain_sha256_hex(doc, len, lf->etag + 1);
	lf->etag[65] = '"';
	lf->etag[66] = '\0';
}

int
listfile_refresh(struct listfile *lf)
{
	struct stat sb;

	if (stat(lf->path, &sb) == -1) {
		if (lf->looked != -1)
			log_warn("%s", lf->path);
		lf->looked = -1;
	} else if (changed(lf, &sb)) {
		lf->seen = sb;
		lf->looked = 1;
		reload(lf);
	}
	return lf->doc != NULL ? 0 : -1;
}

const char *
listfile_doc(const struct listfile *lf, size_t *len)
{
	*len = lf->len;
	return lf->doc;
}

const char *
listfile_etag(const struct listfile *lf)
{
	return lf->etag;
}
