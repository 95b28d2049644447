/* The LED sign's texts (docs/design.md §4.3): placeholders, encoding, cutting to fit. */
#ifndef WEIGHGATE_LED_H
#define WEIGHGATE_LED_H

#include <stddef.h>
#include <stdint.h>

#include "weighgate/decode.h"
#include "weighgate/measurement.h"
#include "weighgate/rules.h"

/*
 * Expand {plate} {gross_t} {limit_t} {over_t} {over_pct} {axles} in tmpl.
 * Tonnes with one decimal, rounded half away from zero; over_pct with two.
 * A placeholder with no value (no limit for this vehicle) expands to "-".
 */
void led_expand(const char *tmpl, const struct measurement *m,
    const struct decision *d, char *out, size_t outsz);

/*
 * Encode UTF-8 text for the sign: converted to enc, cut at a character
 * boundary to fit nregs registers (two bytes each, high byte first),
 * NUL padded.  Returns the bytes of text kept, or -1 when the text cannot
 * be converted.
 */
int led_encode(enum text_encoding enc, const char *utf8, int nregs,
    uint16_t *regs);

#endif
