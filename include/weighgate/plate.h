/* Plate normalisation of docs/design.md §5. */
#ifndef WEIGHGATE_PLATE_H
#define WEIGHGATE_PLATE_H

#include <stddef.h>

/*
 * Normalise a UTF-8 plate: full-width U+FF01-U+FF5E to ASCII, ASCII letters
 * to upper case, white space (U+3000 included), U+00B7, U+30FB, '-' and '.'
 * removed.  Returns the length written (NUL excluded), or -1 when the input
 * is not valid UTF-8 or the result does not fit.
 */
int plate_normalize(const char *in, char *out, size_t outsz);

#endif
