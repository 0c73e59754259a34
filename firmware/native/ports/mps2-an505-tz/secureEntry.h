/* The secure image's entry functions: the only ways into the secure world. Each is a
 * cmse_nonsecure_entry function of the secure image (secure/), reached through its veneer in the
 * non-secure-callable region (an SG instruction, then a branch); the non-secure image links
 * against the import library the linker writes (--cmse-implib, scripts/build-firmware.mjs).
 * Each checks what crosses: a pointer and its length must lie wholly in memory the non-secure
 * world may use (cmse_check_address_range), else the call is refused and touches nothing. */
#ifndef SF_SECURE_ENTRY_H
#define SF_SECURE_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#define SF_SECURE_OK 0
/* A pointer (with its length) reaches outside the non-secure world's memory. */
#define SF_SECURE_REFUSED_POINTER (-1)

/* Fills out[0..length) with random bytes (the secure world owns the randomness: boot ids,
 * Math.random). */
int sf_secure_random(uint8_t* out, size_t length);

#endif
