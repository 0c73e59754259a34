#include "semihosting.h"

#include <string.h>

enum {
  SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_SEEK = 0x0A, SYS_FLEN = 0x0C,
  SYS_REMOVE = 0x0E, SYS_RENAME = 0x0F, SYS_TIME = 0x11, SYS_GET_CMDLINE = 0x15, SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

/* The call: operation in r0, argument block in r1, result in r0; "bkpt 0xAB" on M-profile. */
static int call(int operation, const void* arguments) {
  register int r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = arguments;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int sh_open(const char* path, int mode) {
  uint32_t args[3] = {(uint32_t)path, (uint32_t)mode, (uint32_t)strlen(path)};
  return call(SYS_OPEN, args);
}

int sh_close(int handle) {
  uint32_t args[1] = {(uint32_t)handle};
  return call(SYS_CLOSE, args);
}

int sh_write(int handle, const void* data, size_t length) {
  uint32_t args[3] = {(uint32_t)handle, (uint32_t)data, (uint32_t)length};
  int notWritten = call(SYS_WRITE, args);
  return notWritten < 0 ? -1 : (int)length - notWritten;
}

int sh_read(int handle, void* data, size_t length) {
  uint32_t args[3] = {(uint32_t)handle, (uint32_t)data, (uint32_t)length};
  int notRead = call(SYS_READ, args);
  return notRead < 0 ? -1 : (int)length - notRead;
}

int sh_seek(int handle, size_t position) {
  uint32_t args[2] = {(uint32_t)handle, (uint32_t)position};
  return call(SYS_SEEK, args);
}

long sh_fileLength(int handle) {
  uint32_t args[1] = {(uint32_t)handle};
  return call(SYS_FLEN, args);
}

int sh_remove(const char* path) {
  uint32_t args[2] = {(uint32_t)path, (uint32_t)strlen(path)};
  return call(SYS_REMOVE, args);
}

int sh_rename(const char* from, const char* to) {
  uint32_t args[4] = {(uint32_t)from, (uint32_t)strlen(from), (uint32_t)to, (uint32_t)strlen(to)};
  return call(SYS_RENAME, args);
}

uint32_t sh_time(void) {
  return (uint32_t)call(SYS_TIME, NULL);
}

int sh_commandLine(char* buffer, size_t size) {
  uint32_t args[2] = {(uint32_t)buffer, (uint32_t)size};
  return call(SYS_GET_CMDLINE, args);
}

void sh_exit(int status) {
  /* EXIT_EXTENDED carries the status as the subcode (plain SYS_EXIT on AArch32 can't). */
  uint32_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  call(SYS_EXIT_EXTENDED, args);
  for (;;) __asm__ volatile("wfi");
}
