/* Event hashing of docs/design.md §6 and the identifiers events carry. */
#ifndef WEIGHGATE_CHAIN_H
#define WEIGHGATE_CHAIN_H

#include <stddef.h>

#define CHAIN_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* hash = SHA-256(prev_hash_hex || body), lowercase hex. */
void chain_hash(const char prev_hex[65], const char *body, size_t len, char out[65]);
/* n bytes as lowercase hex into out (2 * n + 1). */
void chain_hex(const unsigned char *d, size_t n, char *out);
/* SHA-256 of bytes as lowercase hex. */
void chain_sha256_hex(const void *data, size_t len, char out[65]);
/* A random (version 4) uuid in its 36-character text form; -1 if no randomness. */
int chain_uuid4(char out[37]);

#endif
