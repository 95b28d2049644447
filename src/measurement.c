/* The measurement's defaults and the names its fields have in JSON. */
#include <string.h>

#include "weighgate/measurement.h"

static const char *const kind_names[] = { "unknown", "passenger", "truck" };
static const char *const config_names[] = {
	"unknown", "rigid", "combination", "combination_single_drive"
};
static const char *const color_names[] = {
	"unknown", "blue", "yellow", "black", "white", "green", "yellow-green"
};

void
meas_init(struct measurement *m)
{
	memset(m, 0, sizeof(*m));
	m->valid = true;
}

const char *
meas_kind_name(enum vkind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "unknown";
}

const char *
meas_config_name(enum vconfig c)
{
	return (unsigned)c < 4 ? config_names[c] : "unknown";
}

const char *
meas_color_name(enum pcolor c)
{
	return (unsigned)c < PC_NCOLORS ? color_names[c] : "unknown";
}

static int
lookup(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
meas_kind_parse(const char *s, enum vkind *out)
{
	int i = lookup(kind_names, 3, s);

	if (i < 0)
		return -1;
	*out = (enum vkind)i;
	return 0;
}

int
meas_config_parse(const char *s, enum vconfig *out)
{
	int i = lookup(config_names, 4, s);

	if (i < 0)
		return -1;
	*out = (enum vconfig)i;
	return 0;
}

int
meas_color_parse(const char *s, enum pcolor *out)
{
	int i = lookup(color_names, PC_NCOLORS, s);

	if (i < 0)
		return -1;
	*out = (enum pcolor)i;
	return 0;
}
