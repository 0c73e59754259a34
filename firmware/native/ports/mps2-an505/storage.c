/* hal/storage.h on host files through semihosting, in the state directory the host names
 * (`--state DIR`, as on POSIX): the board's persistent storage survives a reset and a restart of
 * QEMU. A write goes to NAME.tmp and is renamed over NAME (the host's rename() is atomic), so a
 * reset mid-write leaves the old blob or the new one. Implements ports/posix/storage.h. */
#include "../posix/storage.h"

#include <stdio.h>
#include <string.h>

#include "semihosting.h"

static bool pathOf(sf_PosixStorage* s, const char* name, const char* suffix, char* path, size_t size) {
  size_t n = strlen(name);
  if (n == 0 || n > 63 || name[0] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  }
  return snprintf(path, size, "%s/%s%s", s->directory, name, suffix) < (int)size;
}

static hal_StorageResult readBlob(hal_Storage* base, const char* name, uint8_t* buffer, size_t capacity, size_t* length) {
  char path[600];
  if (!pathOf((sf_PosixStorage*)base, name, "", path, sizeof path)) return HAL_STORAGE_IO_ERROR;
  int file = sh_open(path, SH_MODE_READ);
  if (file < 0) return HAL_STORAGE_NOT_FOUND;
  long size = sh_fileLength(file);
  hal_StorageResult result = HAL_STORAGE_OK;
  if (size < 0) result = HAL_STORAGE_IO_ERROR;
  else if ((size_t)size > capacity) result = HAL_STORAGE_TOO_LARGE;
  else if (sh_read(file, buffer, (size_t)size) != size) result = HAL_STORAGE_IO_ERROR;
  if (size >= 0) *length = (size_t)size;
  sh_close(file);
  return result;
}

static hal_StorageResult writeBlob(hal_Storage* base, const char* name, const uint8_t* data, size_t length) {
  char path[600], temp[600];
  sf_PosixStorage* s = (sf_PosixStorage*)base;
  if (!pathOf(s, name, "", path, sizeof path) || !pathOf(s, name, ".tmp", temp, sizeof temp)) return HAL_STORAGE_IO_ERROR;
  int file = sh_open(temp, SH_MODE_WRITE);
  if (file < 0) return HAL_STORAGE_IO_ERROR;
  bool written = sh_write(file, data, length) == (int)length;
  if (sh_close(file) != 0 || !written || sh_rename(temp, path) != 0) {
    sh_remove(temp);
    return HAL_STORAGE_IO_ERROR;
  }
  return HAL_STORAGE_OK;
}

static hal_StorageResult removeBlob(hal_Storage* base, const char* name) {
  char path[600];
  if (!pathOf((sf_PosixStorage*)base, name, "", path, sizeof path)) return HAL_STORAGE_IO_ERROR;
  return sh_remove(path) == 0 ? HAL_STORAGE_OK : HAL_STORAGE_NOT_FOUND;
}

static const hal_StorageOps OPS = {readBlob, writeBlob, removeBlob};

bool sf_posixStorage_init(sf_PosixStorage* s, const char* directory) {
  s->base.ops = &OPS;
  return snprintf(s->directory, sizeof s->directory, "%s", directory) < (int)sizeof s->directory;
}
