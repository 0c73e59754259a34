/* ports/posix/storage.h in the TrustZone build's non-secure image: the state directory is the
 * secure world's, so each operation is an entry function call (../secureEntry.h). It replaces
 * ../../mps2-an505/storage.c here; the secure image runs that one. A refusal (only for a buffer
 * outside this image's memory, none of ours) is an I/O error. */
#include "../../posix/storage.h"

#include <string.h>

#include "../secureEntry.h"

static hal_StorageResult result(int answer) {
  return answer >= 0 ? (hal_StorageResult)answer : HAL_STORAGE_IO_ERROR;
}

static hal_StorageResult readBlob(hal_Storage* base, const char* name, uint8_t* buffer, size_t capacity, size_t* length) {
  (void)base;
  size_t size = capacity;
  hal_StorageResult answer = result(sf_secure_storageRead(name, strlen(name), buffer, &size));
  *length = size;
  return answer;
}

static hal_StorageResult writeBlob(hal_Storage* base, const char* name, const uint8_t* data, size_t length) {
  (void)base;
  return result(sf_secure_storageWrite(name, strlen(name), data, length));
}

static hal_StorageResult removeBlob(hal_Storage* base, const char* name) {
  (void)base;
  return result(sf_secure_storageRemove(name, strlen(name)));
}

static const hal_StorageOps OPS = {readBlob, writeBlob, removeBlob};

bool sf_posixStorage_init(sf_PosixStorage* s, const char* directory) {
  s->base.ops = &OPS;
  s->directory[0] = 0; /* kept by the secure image */
  return sf_secure_storageOpen(directory, strlen(directory)) == SF_SECURE_OK;
}
