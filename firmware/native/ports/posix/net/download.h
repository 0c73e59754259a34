/* Downloads an OTA package over HTTPS with libcurl, without stopping the device's loop (the
 * multi interface, polled). `caPath` pins the local cloud's CA; on AWS it is NULL and S3's
 * presigned URL is checked against the system trust store. Redirects are followed (https only),
 * and a size cap (the job document's size) stops a wrong or hostile server from filling memory. */
#ifndef SF_POSIX_DOWNLOAD_H
#define SF_POSIX_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sf_Download sf_Download;

/* Whether the URL may be downloaded (https only); false with `error` naming it, its query (the
 * presigned signature) left out. Needs no libcurl: the device checks before it starts a download
 * process. */
bool sf_download_urlAllowed(const char* url, char* error, size_t errorSize);

/* NULL with `error` when the URL is not https or curl refuses the settings. */
sf_Download* sf_download_start(const char* url, const char* caPath, uint8_t* buffer, size_t capacity, size_t expected, char* error, size_t errorSize);
/* Runs the transfer for at most maxWaitMs: 0 while it runs, 1 when the body is in the buffer
 * (`*length` bytes), -1 with `error` when it failed. */
int sf_download_poll(sf_Download* d, uint32_t maxWaitMs, size_t* length, char* error, size_t errorSize);
void sf_download_free(sf_Download* d);

#endif
