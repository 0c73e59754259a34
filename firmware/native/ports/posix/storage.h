/* hal/storage.h on files in a state directory: a write goes to a temporary file, is fsynced and
 * renamed over the old one, then the directory is fsynced, so after a power loss a blob has its
 * old or its new content, never a mix. */
#ifndef SF_POSIX_STORAGE_H
#define SF_POSIX_STORAGE_H

#include "../../hal/storage.h"

typedef struct sf_PosixStorage {
  hal_Storage base;
  char directory[512];
} sf_PosixStorage;

/* Creates the directory if needed; false when it can't. */
bool sf_posixStorage_init(sf_PosixStorage* storage, const char* directory);

#endif
