#include "download.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_MS 30000L

struct sf_Download {
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

sf_Download* sf_download_start(const char* url, const char* caPath, uint8_t* buffer, size_t capacity, size_t expected, char* error, size_t errorSize) {
  char shown[300];
  withoutQuery(url, shown, sizeof shown);
  if (strncmp(url, "https://", 8) != 0) {
    snprintf(error, errorSize, "refusing to download over anything but https: %s", shown);
    return NULL;
  }
  sf_Download* d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(error, errorSize, "out of memory");
    return NULL;
  }
  d->buffer = buffer;
  d->capacity = capacity;
  d->expected = expected;
  d->easy = curl_easy_init();
  d->multi = curl_multi_init();
  if (!d->easy || !d->multi) {
    snprintf(error, errorSize, "libcurl could not start a transfer");
    sf_download_free(d);
    return NULL;
  }
  CURL* e = d->easy;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (caPath) curl_easy_setopt(e, CURLOPT_CAINFO, caPath);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, received);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->curlError);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "snapfleet-device");
  curl_multi_add_handle(d->multi, e);
  return d;
}

int sf_download_poll(sf_Download* d, uint32_t maxWaitMs, size_t* length, char* error, size_t errorSize) {
  int running = 0;
  curl_multi_perform(d->multi, &running);
  if (running) {
    curl_multi_poll(d->multi, NULL, 0, (int)maxWaitMs, NULL);
    curl_multi_perform(d->multi, &running);
    if (running) return 0;
  }
  CURLcode result = CURLE_OK;
  int left = 0;
  for (CURLMsg* m = curl_multi_info_read(d->multi, &left); m; m = curl_multi_info_read(d->multi, &left)) {
    if (m->msg == CURLMSG_DONE) result = m->data.result;
  }
  long status = 0;
  curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
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
    snprintf(error, errorSize, "download failed: %s", d->curlError[0] ? d->curlError : curl_easy_strerror(result));
    return -1;
  }
  *length = d->length;
  return 1;
}

void sf_download_free(sf_Download* d) {
  if (!d) return;
  if (d->multi && d->easy) curl_multi_remove_handle(d->multi, d->easy);
  if (d->easy) curl_easy_cleanup(d->easy);
  if (d->multi) curl_multi_cleanup(d->multi);
  free(d);
}
