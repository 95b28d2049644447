/* The scale's 29-register block of docs/design.md §4.1 -> measurement; 32-bit word orders. */
#ifndef WEIGHGATE_DECODE_H
#define WEIGHGATE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weighgate/measurement.h"

#define SCALE_NREGS 29

/* How a 32-bit value lies in two registers; how the plate's bytes are encoded. */
enum word_order { WO_ABCD, WO_CDAB, WO_BADC, WO_DCBA };
enum text_encoding { ENC_GB18030, ENC_UTF8 };

/* Status bits of register 0. */
#define SCALE_ST_PRESENT	0x0001
#define SCALE_ST_VALID		0x0002
#define SCALE_ST_FAULT		0x0004
#define SCALE_ST_UNSTABLE	0x0008
#define SCALE_ST_REVERSING	0x0010
#define SCALE_ST_ABNORMAL	0x0020

uint32_t decode_wo_get_u32(const uint16_t regs[2], enum word_order wo);
void decode_wo_set_u32(uint16_t regs[2], uint32_t v, enum word_order wo);

/*
 * Decode a scale block.  The plate bytes (registers 20-27, high byte first,
 * NUL padded) are converted from enc to UTF-8.  lane, ts_ms and seq are set
 * by the caller.  Returns 0, or -1 with err naming the bad field (e.g. plate
 * bytes that are not valid in the encoding); m is then still filled with
 * what could be read and m->valid is false.
 */
int decode_scale(const uint16_t regs[SCALE_NREGS], enum word_order wo,
    enum text_encoding enc, struct measurement *m, char *err, size_t errlen);

/* The simulator's side: measurement -> registers (plate encoded to enc). */
int decode_encode_scale(const struct measurement *m, uint16_t status, uint16_t seq,
    enum word_order wo, enum text_encoding enc, uint16_t regs[SCALE_NREGS]);

/*
 * Convert between UTF-8 and enc (iconv).  Returns bytes written (no NUL
 * added to 'to' beyond what fits), -1 on an invalid sequence or overflow.
 */
int decode_text_from_utf8(enum text_encoding enc, const char *in, char *out, size_t outsz);
int decode_text_to_utf8(enum text_encoding enc, const char *in, size_t inlen,
    char *out, size_t outsz);

/* The first control character (below 0x20, or 0x7f) of s, or -1 when none. */
int decode_text_control_char(const char *s, size_t len);

/* Well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool decode_text_utf8_valid(const char *s, size_t len);

#endif
