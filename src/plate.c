/* Plate normalisation (docs/design.md §5): one spelling per plate for list look-ups. */
#include <stdbool.h>
#include <stdint.h>

#include "weighgate/plate.h"

/*
 * Decode one UTF-8 sequence at s (strictly: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  Returns its length, or -1.
 */
static int
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	int n, i;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return n;
}

/*
 * Characters that never belong to a plate: Unicode White_Space (ASCII
 * blanks, NEL, NBSP, the U+2000 block, U+3000 ...), the zero-width space
 * and BOM that copy-and-paste leaves behind, the separators '-' and '.',
 * and the middle dots U+00B7, U+30FB, U+FF65 (half-width ・) and U+2027.
 */
static bool
plate_dropped(uint32_t c)
{
	if (c == ' ' || (c >= '\t' && c <= '\r') || c == '-' || c == '.')
		return true;
	switch (c) {
	case 0x85: case 0xa0: case 0xb7: case 0x1680: case 0x200b:
	case 0x2027: case 0x2028: case 0x2029: case 0x202f: case 0x205f:
	case 0x3000: case 0x30fb: case 0xfeff: case 0xff65:
		return true;
	}
	return c >= 0x2000 && c <= 0x200a;
}

static size_t
utf8_encode(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	} else if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	} else if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

int
plate_normalize(const char *in, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = 0, n;
	uint32_t c;
	char enc[4];
	int k;

	if (outsz == 0)
		return -1;
	while (*s != '\0') {
		if ((k = utf8_decode(s, &c)) < 0)
			return -1;
		s += k;
		if (c >= 0xff01 && c <= 0xff5e)	/* full-width forms */
			c -= 0xfee0;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (plate_dropped(c))
			continue;
		n = utf8_encode(c, enc);
		if (len + n >= outsz)
			return -1;
		for (k = 0; k < (int)n; k++)
			out[len++] = enc[k];
	}
	out[len] = '\0';
	return (int)len;
}
