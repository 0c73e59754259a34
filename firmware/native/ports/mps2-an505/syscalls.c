/* The C library's system calls (newlib-nano) on this board: stdin/stdout are the serial port
 * (UART0: what a user sees on the board's console; Ctrl-D, 0x04, ends the input as on a
 * terminal), stderr is the debug console (semihosting), other files are host files through
 * semihosting (the build directory), exit ends QEMU with the status (the heap and the calls
 * every Cortex-M port answers alike: ../cortex-m/newlibSyscalls.c). Also the two POSIX calls the shared run-device mode uses: nanosleep (sleeps the
 * core until the next SysTick) and sigaction (no signals on a microcontroller). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "an505.h"
#include "semihosting.h"
#include "uart.h"

#define FILE_FD_BASE 16 /* host file handles start here; 0-2 are the console */
#define END_OF_INPUT 0x04

int64_t sf_posixClock_monotonicMs(void);
static int debugConsole = -1;
static int inputEnded;

int _write(int fd, const char* data, int length) {
  if (fd == 1) {
    for (int i = 0; i < length; i++) sf_uart_put(AN505_UART0_BASE, (uint8_t)data[i]);
    return length;
  }
  if (fd == 2) {
    if (debugConsole < 0) debugConsole = sh_open(":tt", SH_MODE_APPEND);
    return sh_write(debugConsole, data, (size_t)length);
  }
  if (fd >= FILE_FD_BASE) return sh_write(fd - FILE_FD_BASE, data, (size_t)length);
  errno = EBADF;
  return -1;
}

int _read(int fd, char* data, int length) {
  if (fd == 0) {
    int n = 0;
    while (n < length && !inputEnded) {
      uint8_t byte;
      if (!sf_uart_get(AN505_UART0_BASE, &byte)) {
        if (n > 0) break; /* hand over what has arrived */
        __asm__ volatile("wfi"); /* until the next SysTick */
        continue;
      }
      if (byte == END_OF_INPUT) inputEnded = 1;
      else data[n++] = (char)byte;
      if (byte == '\n') break;
    }
    return n;
  }
  if (fd >= FILE_FD_BASE) return sh_read(fd - FILE_FD_BASE, data, (size_t)length);
  errno = EBADF;
  return -1;
}

int _open(const char* path, int flags, ...) {
  int mode = (flags & O_ACCMODE) == O_RDONLY ? SH_MODE_READ : (flags & O_APPEND) ? SH_MODE_APPEND : SH_MODE_WRITE;
  int handle = sh_open(path, mode);
  if (handle < 0) {
    errno = ENOENT;
    return -1;
  }
  return handle + FILE_FD_BASE;
}

int _close(int fd) {
  return fd >= FILE_FD_BASE ? sh_close(fd - FILE_FD_BASE) : 0;
}

int _lseek(int fd, int offset, int whence) {
  if (fd < FILE_FD_BASE || whence != SEEK_SET) {
    errno = ESPIPE;
    return -1;
  }
  return sh_seek(fd - FILE_FD_BASE, (size_t)offset) == 0 ? offset : -1;
}

int _fstat(int fd, struct stat* st) {
  st->st_mode = fd < FILE_FD_BASE ? S_IFCHR : S_IFREG;
  st->st_size = fd < FILE_FD_BASE ? 0 : sh_fileLength(fd - FILE_FD_BASE);
  return 0;
}

int _isatty(int fd) {
  return fd < FILE_FD_BASE;
}

void _exit(int status) {
  sh_exit(status);
}

int nanosleep(const struct timespec* duration, struct timespec* remaining) {
  int64_t until = sf_posixClock_monotonicMs() + (int64_t)duration->tv_sec * 1000 + (duration->tv_nsec + 999999) / 1000000;
  while (sf_posixClock_monotonicMs() < until) __asm__ volatile("wfi");
  if (remaining) remaining->tv_sec = remaining->tv_nsec = 0;
  return 0;
}

int sigaction(int signal, const struct sigaction* action, struct sigaction* previous) {
  (void)signal, (void)action, (void)previous;
  return 0;
}
