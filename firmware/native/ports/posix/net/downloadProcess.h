/* The OTA download in a child process: `snapfleet-device download` (downloadMain.c) runs
 * download.c's libcurl transfer and hands the body back over a pipe, which the device's loop
 * polls. libcurl never enters the device process: opened there and closed after, it still left
 * GnuTLS's p11-kit (a NODELETE library, 0.4 MB resident) and its heap behind in every device.
 * The URL (a presigned S3 URL is a credential until it expires) goes over the child's stdin, not
 * its command line, which other users can read. Same contract as download.h. */
#ifndef SF_POSIX_DOWNLOAD_PROCESS_H
#define SF_POSIX_DOWNLOAD_PROCESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct sf_DownloadProcess sf_DownloadProcess;

/* NULL with `error` when the URL is not https or the child can't be started. */
sf_DownloadProcess* sf_downloadProcess_start(const char* url, const char* caPath, uint8_t* buffer, size_t capacity, size_t expected, char* error,
                                             size_t errorSize);
/* 0 while it runs (waits at most maxWaitMs), 1 when the body is in the buffer (`*length`
 * bytes), -1 with `error` when it failed. */
int sf_downloadProcess_poll(sf_DownloadProcess* d, uint32_t maxWaitMs, size_t* length, char* error, size_t errorSize);
/* Ends the child if it still runs. */
void sf_downloadProcess_free(sf_DownloadProcess* d);

/* The child: `snapfleet-device download`, the request on stdin (URL, CA path or empty, expected
 * size, capacity; one a line), the answer on stdout: `OK <length>\n` and the body, or
 * `FAILED <why>\n`. */
int sf_downloadMain(void);

#endif
