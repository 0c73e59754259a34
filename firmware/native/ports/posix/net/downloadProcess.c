#include "downloadProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "download.h"

#define HEADER_MAX 512

extern char** environ;

struct sf_DownloadProcess {
  /* In this process instead (no /proc/self/exe, or SNAPFLEET_DOWNLOAD_IN_PROCESS=1: the bench's
   * baseline). */
  sf_Download* inProcess;
  pid_t pid;
  int fd; /* the child's stdout */
  uint8_t* buffer;
  size_t capacity, length;
  char header[HEADER_MAX];
  size_t headerLength;
  bool headerDone;
};

sf_DownloadProcess* sf_downloadProcess_start(const char* url, const char* caPath, uint8_t* buffer, size_t capacity, size_t expected, char* error,
                                             size_t errorSize) {
  if (!sf_download_urlAllowed(url, error, errorSize)) return NULL; /* before a process is started for nothing */
  char request[8192];
  int n = snprintf(request, sizeof request, "%s\n%s\n%zu\n%zu\n", url, caPath ? caPath : "", expected, capacity);
  if (n < 0 || (size_t)n >= sizeof request || strchr(url, '\n') || (caPath && strchr(caPath, '\n'))) {
    snprintf(error, errorSize, "the download URL is too long or has a line break");
    return NULL;
  }
  char self[4096];
  ssize_t selfLength = readlink("/proc/self/exe", self, sizeof self - 1);
  const char* inProcess = getenv("SNAPFLEET_DOWNLOAD_IN_PROCESS");
  if (selfLength <= 0 || (inProcess && strcmp(inProcess, "1") == 0)) {
    sf_DownloadProcess* d = calloc(1, sizeof *d);
    if (!d) {
      snprintf(error, errorSize, "out of memory");
      return NULL;
    }
    d->fd = -1;
    d->inProcess = sf_download_start(url, caPath, buffer, capacity, expected, error, errorSize);
    if (!d->inProcess) free(d), d = NULL;
    return d;
  }
  self[selfLength] = '\0';
  sf_DownloadProcess* d = calloc(1, sizeof *d);
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  if (!d || pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    snprintf(error, errorSize, "can't start the download: %s", d ? strerror(errno) : "out of memory");
    for (int i = 0; i < 2; i++) {
      if (in[i] >= 0) close(in[i]);
      if (out[i] >= 0) close(out[i]);
    }
    free(d);
    return NULL;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  /* not the MQTT socket or the state files: the child holds only its pipes and stderr */
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  char* argv[] = {self, "download", NULL};
  int spawned = posix_spawn(&d->pid, self, &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (spawned != 0) {
    snprintf(error, errorSize, "can't start the download process: %s", strerror(spawned));
    close(in[1]);
    close(out[0]);
    free(d);
    return NULL;
  }
  /* a few hundred bytes: the pipe takes them whole */
  ssize_t written = write(in[1], request, (size_t)n);
  close(in[1]);
  (void)written; /* a child that can't read its request answers FAILED */
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  d->fd = out[0];
  d->buffer = buffer;
  d->capacity = capacity;
  return d;
}

/* Reads what the child wrote; true at its end of the pipe. */
static bool readAvailable(sf_DownloadProcess* d) {
  for (;;) {
    uint8_t chunk[16384];
    ssize_t n = read(d->fd, chunk, sizeof chunk);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EINTR;
    for (ssize_t i = 0; i < n; i++) {
      if (!d->headerDone) {
        if (chunk[i] == '\n' || d->headerLength == HEADER_MAX - 1) d->headerDone = true;
        else d->header[d->headerLength++] = (char)chunk[i];
      } else if (d->length < d->capacity) {
        d->buffer[d->length++] = chunk[i];
      }
    }
  }
}

static void reap(sf_DownloadProcess* d, int* status) {
  if (d->pid <= 0) return;
  while (waitpid(d->pid, status, 0) < 0 && errno == EINTR) {
  }
  d->pid = 0;
}

int sf_downloadProcess_poll(sf_DownloadProcess* d, uint32_t maxWaitMs, size_t* length, char* error, size_t errorSize) {
  if (d->inProcess) return sf_download_poll(d->inProcess, maxWaitMs, length, error, errorSize);
  struct pollfd p = {d->fd, POLLIN, 0};
  if (poll(&p, 1, (int)maxWaitMs) <= 0) return 0;
  if (!readAvailable(d)) return 0;
  int status = 0;
  reap(d, &status);
  if (strncmp(d->header, "OK ", 3) == 0) {
    size_t announced = strtoull(d->header + 3, NULL, 10);
    if (announced == d->length) {
      *length = d->length;
      return 1;
    }
    snprintf(error, errorSize, "download failed: the download process handed over %zu of %zu bytes", d->length, announced);
    return -1;
  }
  if (strncmp(d->header, "FAILED ", 7) == 0) {
    snprintf(error, errorSize, "%s", d->header + 7);
    return -1;
  }
  if (WIFSIGNALED(status)) snprintf(error, errorSize, "download failed: the download process was killed by signal %d", WTERMSIG(status));
  else snprintf(error, errorSize, "download failed: the download process ended without a result (exit status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return -1;
}

void sf_downloadProcess_free(sf_DownloadProcess* d) {
  if (!d) return;
  if (d->inProcess) sf_download_free(d->inProcess);
  if (d->pid > 0) kill(d->pid, SIGKILL);
  reap(d, NULL);
  if (d->fd >= 0) close(d->fd);
  free(d);
}

/* ---------------------------------------------------------------- the child */

static bool readLine(char* line, size_t size) {
  if (!fgets(line, (int)size, stdin)) return false;
  line[strcspn(line, "\n")] = '\0';
  return true;
}

static int answerFailed(const char* why) {
  printf("FAILED %s\n", why);
  return fflush(stdout) == 0 ? 0 : 1;
}

int sf_downloadMain(void) {
  char url[8192], ca[4096], expectedText[32], capacityText[32];
  if (!readLine(url, sizeof url) || !readLine(ca, sizeof ca) || !readLine(expectedText, sizeof expectedText) || !readLine(capacityText, sizeof capacityText))
    return answerFailed("download failed: the download process got no request (it is started by the device, not by hand)");
  size_t expected = strtoull(expectedText, NULL, 10), capacity = strtoull(capacityText, NULL, 10);
  uint8_t* buffer = malloc(capacity ? capacity : 1);
  if (!buffer) return answerFailed("download failed: out of memory for the package");
  char error[512];
  sf_Download* download = sf_download_start(url, ca[0] ? ca : NULL, buffer, capacity, expected, error, sizeof error);
  if (!download) {
    free(buffer);
    return answerFailed(error);
  }
  size_t length = 0;
  int result;
  while ((result = sf_download_poll(download, 1000, &length, error, sizeof error)) == 0) {
  }
  sf_download_free(download);
  int status;
  if (result < 0) {
    status = answerFailed(error);
  } else {
    printf("OK %zu\n", length);
    status = fwrite(buffer, 1, length, stdout) == length && fflush(stdout) == 0 ? 0 : 1;
  }
  free(buffer);
  return status;
}
