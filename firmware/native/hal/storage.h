/*
 * Persistent storage as named blobs (OTA slots, OTA state). A write is atomic: after a power loss
 * the blob has either its old or its new content, never a mix (POSIX: write, fsync, rename).
 * Names are short ASCII ([a-z0-9._-], at most 63 characters).
 */
#ifndef SF_HAL_STORAGE_H
#define SF_HAL_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hal_StorageResult {
  HAL_STORAGE_OK = 0,
  HAL_STORAGE_NOT_FOUND = 1,
  /* The blob is larger than the buffer; `*length` says how large. */
  HAL_STORAGE_TOO_LARGE = 2,
  HAL_STORAGE_IO_ERROR = 3,
} hal_StorageResult;

typedef struct hal_Storage hal_Storage;

typedef struct hal_StorageOps {
  /* Reads into buffer (capacity bytes); `*length` gets the blob's size. */
  hal_StorageResult (*read)(hal_Storage* storage, const char* name, uint8_t* buffer, size_t capacity, size_t* length);
  hal_StorageResult (*write)(hal_Storage* storage, const char* name, const uint8_t* data, size_t length);
  hal_StorageResult (*remove)(hal_Storage* storage, const char* name);
} hal_StorageOps;

struct hal_Storage {
  const hal_StorageOps* ops;
};

#endif
