#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool validName(const char* name) {
  size_t n = strlen(name);
  if (n == 0 || n > 63 || name[0] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}

static hal_StorageResult readBlob(hal_Storage* base, const char* name, uint8_t* buffer, size_t capacity, size_t* length) {
  sf_PosixStorage* s = (sf_PosixStorage*)base;
  if (!validName(name)) return HAL_STORAGE_IO_ERROR;
  char path[600];
  snprintf(path, sizeof path, "%s/%s", s->directory, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? HAL_STORAGE_NOT_FOUND : HAL_STORAGE_IO_ERROR;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return HAL_STORAGE_IO_ERROR;
  }
  *length = (size_t)st.st_size;
  if (*length > capacity) {
    close(fd);
    return HAL_STORAGE_TOO_LARGE;
  }
  size_t done = 0;
  while (done < *length) {
    ssize_t n = read(fd, buffer + done, *length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  close(fd);
  return done == *length ? HAL_STORAGE_OK : HAL_STORAGE_IO_ERROR;
}

static hal_StorageResult writeBlob(hal_Storage* base, const char* name, const uint8_t* data, size_t length) {
  sf_PosixStorage* s = (sf_PosixStorage*)base;
  if (!validName(name)) return HAL_STORAGE_IO_ERROR;
  char path[600], temp[620];
  snprintf(path, sizeof path, "%s/%s", s->directory, name);
  snprintf(temp, sizeof temp, "%s/.%s.%ld.tmp", s->directory, name, (long)getpid());
  int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return HAL_STORAGE_IO_ERROR;
  size_t done = 0;
  while (done < length) {
    ssize_t n = write(fd, data + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  bool ok = done == length && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (ok) ok = rename(temp, path) == 0;
  if (!ok) {
    unlink(temp);
    return HAL_STORAGE_IO_ERROR;
  }
  /* the rename itself must reach the disk too */
  int dir = open(s->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return HAL_STORAGE_OK;
}

static hal_StorageResult removeBlob(hal_Storage* base, const char* name) {
  sf_PosixStorage* s = (sf_PosixStorage*)base;
  if (!validName(name)) return HAL_STORAGE_IO_ERROR;
  char path[600];
  snprintf(path, sizeof path, "%s/%s", s->directory, name);
  if (unlink(path) != 0) return errno == ENOENT ? HAL_STORAGE_NOT_FOUND : HAL_STORAGE_IO_ERROR;
  return HAL_STORAGE_OK;
}

static const hal_StorageOps OPS = {readBlob, writeBlob, removeBlob};

bool sf_posixStorage_init(sf_PosixStorage* s, const char* directory) {
  s->base.ops = &OPS;
  snprintf(s->directory, sizeof s->directory, "%s", directory);
  /* mkdir -p */
  char path[512];
  snprintf(path, sizeof path, "%s", directory);
  for (char* p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(path, 0700);
    *p = '/';
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST;
}
