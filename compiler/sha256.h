/* sha256.h — SHA-256 (FIPS 180-4) for the plan's source hash.
 *
 * The compiler links no crypto library (editors run it; it never holds
 * credentials), so this small implementation hashes the sources that a
 * runtime plan was compiled from. Incremental: init, update any number of
 * times, final. */
#ifndef SFDC_SHA256_H
#define SFDC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct Sha256 {
    uint32_t h[8];          /* chaining state */
    uint64_t len;           /* bytes hashed so far */
    uint8_t buf[64];        /* a partial block */
    size_t nbuf;            /* bytes used in buf */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t len);
/* Writes the 32-byte digest; s must be re-initialised before reuse. */
void sha256_final(Sha256 *s, uint8_t out[32]);
/* The digest of data as 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
