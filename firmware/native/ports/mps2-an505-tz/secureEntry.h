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

#include "primitive.h"

#define SF_SECURE_OK 0
/* A pointer (with its length) reaches outside the non-secure world's memory. */
#define SF_SECURE_REFUSED_POINTER (-1)

/* A name or path longer than the secure side's copy of it (SF_SECURE_TEXT_MAX bytes). */
#define SF_SECURE_REFUSED_TEXT (-2)
#define SF_SECURE_TEXT_MAX 512

/* Fills out[0..length) with random bytes (the secure world owns the randomness: boot ids,
 * Math.random). */
int sf_secure_random(uint8_t* out, size_t length);

/* The link's UART (UART1, secure): what has arrived, at most `capacity` bytes (a count >= 0),
 * and bytes out (SF_SECURE_OK). */
int sf_secure_linkRead(uint8_t* bytes, size_t capacity);
int sf_secure_linkWrite(const uint8_t* bytes, size_t length);

/* Persistent storage (hal/storage.h) in the state directory, which the secure side keeps:
 * `open` names the directory (once, from `connect --state`); the others answer a
 * hal_StorageResult, or a refusal. Names and the path are copied into secure memory before they
 * are checked and used, so the caller can't change them in between. */
int sf_secure_storageOpen(const char* directory, size_t length);
/* `*size`: the buffer's capacity in, the blob's length out (four arguments: an entry function's
 * arguments must all travel in registers). */
int sf_secure_storageRead(const char* name, size_t nameLength, uint8_t* buffer, size_t* size);
int sf_secure_storageWrite(const char* name, size_t nameLength, const uint8_t* data, size_t length);
int sf_secure_storageRemove(const char* name, size_t nameLength);

/* The app's calls into its host (core/deviceHost.h), where the supervisor is secure
 * (cortex-m33-tz-supervisor, ../mps2-an505-tz-supervisor/): the non-secure engine's host
 * (nonSecure/secureHost.c there) calls these, and each runs the supervisor's own function, which
 * checks a handle against the supervisor's tables, after checking what crosses: a text is copied
 * into secure memory before it is checked and used, an out-parameter must be writable
 * non-secure memory. Only while the supervisor has called the engine (an app callback runs),
 * else SF_SECURE_REFUSED_CALL. SF_SECURE_THREW: the call threw (deviceHost.h's false);
 * sf_secure_hostError then copies its message into out[0..capacity) and answers its length. */
#define SF_SECURE_THREW 1
#define SF_SECURE_REFUSED_CALL (-3)
int sf_secure_hostLog(const char* text, size_t length);
double sf_secure_hostNow(void);
int sf_secure_hostNetworkRequest(double* handle);
int sf_secure_hostChannelOpen(double network, double channelIndex, double* handle);
int sf_secure_hostChannelSend(double handle, const char* json, size_t length, double* status);
int sf_secure_hostPinOpen(int kind, const char* name, size_t length, double* handle);
/* `*value`: a number or a boolean (never a pointer) */
int sf_secure_hostPinRead(double handle, sf_Primitive* value);
int sf_secure_hostPinWrite(double handle, int level);
int sf_secure_hostTimerStart(double slot, double ms, int repeat);
int sf_secure_hostTimerStop(double slot);
/* `*value` is copied into secure memory first, then its string's text */
int sf_secure_hostSettingSet(double index, const sf_Primitive* value);
double sf_secure_hostRandom(void);
int sf_secure_hostError(char* out, size_t capacity);

#endif
