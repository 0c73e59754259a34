/* The OTA job document a device reads (core/contracts/jobDocument.ts is the contract; this is
 * its reader in C, with the same checks and messages as parseOtaJobDocument). */
#ifndef SF_POSIX_JOB_DOCUMENT_H
#define SF_POSIX_JOB_DOCUMENT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* core/contracts/jobDocument.ts MAX_DEVICE_PACKAGE_BYTES */
#define SF_MAX_DEVICE_PACKAGE_BYTES (128 * 1024)

typedef struct sf_JobDocument {
  char app[65];
  char version[65];
  char sha256[65];
  size_t size;
  /* Presigned S3 URLs run long. */
  char url[4096];
  char engine[128];
} sf_JobDocument;

/* 0, or -1 with `error` ("invalid OTA job document: ..."). */
int sf_jobDocument_parse(const cJSON* document, sf_JobDocument* out, char* error, size_t errorSize);

#endif
