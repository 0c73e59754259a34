#include "download.h"

#include "curlLibrary.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_MS 30000L

struct sf_Download {
  const sf_Curl* curl; /* opened for this download, closed with it */
  CURLM* multi;
  CURL* easy;
  uint8_t* buffer;
  size_t capacity;
  size_t expected;
  size_t length;
  bool tooLarge;
  char curlError[CURL_ERROR_SIZE];
};

static size_t received(char* data, size_t size, size_t count, void* context) {
  sf_Download* d = context;
  size_t n = size * count;
  size_t limit = d->expected < d->capacity ? d->expected : d->capacity;
  if (d->length + n > limit) {
    /* Error bodies are kept (cut) to say what the server answered; a 200 body this large fails. */
    d->tooLarge = true;
    size_t room = limit - d->length;
    memcpy(d->buffer + d->length, data, room);
    d->length += room;
    return 0; /* aborts the transfer */
  }
  memcpy(d->buffer + d->length, data, n);
  d->length += n;
  return n;
}

static void withoutQuery(const char* url, char* out, size_t size) {
  snprintf(out, size, "%s", url);
  char* q = strchr(out, '?');
  if (q) *q = '\0';
}

bool sf_download_urlAllowed(const char* url, char* error, size_t errorSize) {
  if (strncmp(url, "https://", 8) == 0) return true;
  char shown[300];
  withoutQuery(url, shown, sizeof shown);
  snprintf(error, errorSize, "refusing to download over anything but https: %s", shown);
  return false;
}

sf_Download* sf_download_start(const char* url, const char* caPath, uint8_t* buffer, size_t capacity, size_t expected, char* error, size_t errorSize) {
  if (!sf_download_urlAllowed(url, error, errorSize)) return NULL;
  sf_Download* d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(error, errorSize, "out of memory");
    return NULL;
  }
  d->buffer = buffer;
  d->capacity = capacity;
  d->expected = expected;
  d->curl = sf_curl_open(error, errorSize);
  if (!d->curl) {
    free(d);
    return NULL;
  }
  d->easy = d->curl->easy_init();
  d->multi = d->curl->multi_init();
  if (!d->easy || !d->multi) {
    snprintf(error, errorSize, "libcurl could not start a transfer");
    sf_download_free(d);
    return NULL;
  }
  CURL* e = d->easy;
  d->curl->easy_setopt(e, CURLOPT_URL, url);
  d->curl->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
  d->curl->easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  d->curl->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  d->curl->easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  d->curl->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  d->curl->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (caPath) d->curl->easy_setopt(e, CURLOPT_CAINFO, caPath);
  d->curl->easy_setopt(e, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
  d->curl->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  d->curl->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  d->curl->easy_setopt(e, CURLOPT_WRITEFUNCTION, received);
  d->curl->easy_setopt(e, CURLOPT_WRITEDATA, d);
  d->curl->easy_setopt(e, CURLOPT_ERRORBUFFER, d->curlError);
  d->curl->easy_setopt(e, CURLOPT_USERAGENT, "snapfleet-device");
  d->curl->multi_add_handle(d->multi, e);
  return d;
}

int sf_download_poll(sf_Download* d, uint32_t maxWaitMs, size_t* length, char* error, size_t errorSize) {
  int running = 0;
  d->curl->multi_perform(d->multi, &running);
  if (running) {
    d->curl->multi_poll(d->multi, NULL, 0, (int)maxWaitMs, NULL);
    d->curl->multi_perform(d->multi, &running);
    if (running) return 0;
  }
  CURLcode result = CURLE_OK;
  int left = 0;
  for (CURLMsg* m = d->curl->multi_info_read(d->multi, &left); m; m = d->curl->multi_info_read(d->multi, &left)) {
    if (m->msg == CURLMSG_DONE) result = m->data.result;
  }
  long status = 0;
  d->curl->easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0 && status != 200) {
    char body[201];
    size_t n = d->length < 200 ? d->length : 200;
    memcpy(body, d->buffer, n);
    body[n] = '\0';
    for (size_t i = 0; i < n; i++) {
      if (body[i] == '\n' || body[i] == '\r' || (unsigned char)body[i] < 0x20) body[i] = ' ';
    }
    snprintf(error, errorSize, "download failed: HTTP %ld %s", status, body);
    return -1;
  }
  if (d->tooLarge) {
    snprintf(error, errorSize, "download is larger than the %zu bytes the job document announced", d->expected);
    return -1;
  }
  if (result != CURLE_OK) {
    snprintf(error, errorSize, "download failed: %s", d->curlError[0] ? d->curlError : d->curl->easy_strerror(result));
    return -1;
  }
  *length = d->length;
  return 1;
}

void sf_download_free(sf_Download* d) {
  if (!d) return;
  if (d->multi && d->easy) d->curl->multi_remove_handle(d->multi, d->easy);
  if (d->easy) d->curl->easy_cleanup(d->easy);
  if (d->multi) d->curl->multi_cleanup(d->multi);
  sf_curl_close(d->curl);
  free(d);
}
