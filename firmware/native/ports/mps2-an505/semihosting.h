/* Arm semihosting (the debugger's channel; QEMU answers it with -semihosting-config
 * enable=on,target=native): the command line, the debug console (stderr), files on the host
 * (the build directory, the state directory) and exit with a status. Calls block the core until
 * the host answers, so they are for start-up, logs and storage, never for the device's timing. */
#ifndef SF_SEMIHOSTING_H
#define SF_SEMIHOSTING_H

#include <stddef.h>
#include <stdint.h>

/* Modes of sh_open, as the semihosting specification numbers them (fopen's "rb", "wb", "ab"). */
#define SH_MODE_READ 1
#define SH_MODE_WRITE 5
#define SH_MODE_APPEND 9

/* A host file handle (>= 0) or -1. ":tt" is the host's console (stdin/stdout/stderr by mode). */
int sh_open(const char* path, int mode);
int sh_close(int handle);
/* Bytes transferred (semihosting itself returns what was NOT transferred). -1: error. */
int sh_write(int handle, const void* data, size_t length);
int sh_read(int handle, void* data, size_t length);
int sh_seek(int handle, size_t position);
/* The file's length, -1 when unknown. */
long sh_fileLength(int handle);
int sh_remove(const char* path);
/* Replaces `to` when it exists (QEMU: the host's rename()). 0 on success. */
int sh_rename(const char* from, const char* to);
/* Seconds since 1970 from the host. */
uint32_t sh_time(void);
/* The command line given with -semihosting-config arg=…, NUL-terminated; 0 on success. */
int sh_commandLine(char* buffer, size_t size);
__attribute__((noreturn)) void sh_exit(int status);

#endif
