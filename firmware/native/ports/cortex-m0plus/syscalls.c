/* newlib's system calls on the Cortex-M0+ image: no files or console (logs travel over the link
 * as the supervisor's log messages); the heap: ../cortex-m/newlibSyscalls.c. */
#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>

int _write(int fd, const char* data, int length) {
  (void)fd, (void)data;
  return length;
}

int _read(int fd, char* data, int length) {
  (void)fd, (void)data, (void)length;
  return 0;
}

int _open(const char* path, int flags, ...) {
  (void)path, (void)flags;
  errno = ENOSYS; /* no file system: a csv pin model can't be used on this board */
  return -1;
}

int _close(int fd) {
  (void)fd;
  return -1;
}

int _lseek(int fd, int offset, int whence) {
  (void)fd, (void)offset, (void)whence;
  return -1;
}

int _fstat(int fd, struct stat* st) {
  (void)fd;
  st->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int fd) {
  (void)fd;
  return 1;
}

void _exit(int status) {
  (void)status;
  for (;;) __asm__ volatile("bkpt 0");
}
