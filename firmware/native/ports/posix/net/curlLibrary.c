#include "curlLibrary.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The soname libcurl4-openssl-dev's libcurl.so points to (the package the build asks for). */
#define CURL_SONAME "libcurl.so.4"

const sf_Curl* sf_curl_open(char* error, size_t errorSize) {
  sf_Curl* curl = calloc(1, sizeof *curl);
  if (!curl) {
    snprintf(error, errorSize, "out of memory");
    return NULL;
  }
  curl->library = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!curl->library) {
    snprintf(error, errorSize, "can't download: libcurl is not loadable (%s); install it: sudo apt-get install libcurl4", dlerror());
    free(curl);
    return NULL;
  }
  /* ISO C has no cast from dlsym's void* to a function pointer; POSIX guarantees the bytes are one. */
#define SF_CURL_RESOLVE(name)                                                                          \
  {                                                                                                    \
    void* symbol = dlsym(curl->library, "curl_" #name);                                                \
    if (!symbol) {                                                                                     \
      snprintf(error, errorSize, "can't download: %s has no curl_" #name " (libcurl too old?)", CURL_SONAME); \
      dlclose(curl->library);                                                                          \
      free(curl);                                                                                      \
      return NULL;                                                                                     \
    }                                                                                                  \
    memcpy(&curl->name, &symbol, sizeof symbol);                                                       \
  }
  SF_CURL_FUNCTIONS(SF_CURL_RESOLVE)
#undef SF_CURL_RESOLVE
  CURLcode initialised = curl->global_init(CURL_GLOBAL_DEFAULT);
  if (initialised != CURLE_OK) {
    snprintf(error, errorSize, "can't download: curl_global_init failed (%s)", curl->easy_strerror(initialised));
    dlclose(curl->library);
    free(curl);
    return NULL;
  }
  return curl;
}

void sf_curl_close(const sf_Curl* curl) {
  if (!curl) return;
  curl->global_cleanup();
  dlclose(curl->library);
  free((sf_Curl*)curl);
  /* The transfer's buffers (TLS, HTTP, the connection cache) were freed at the top of the heap
   * region glibc keeps; hand those pages back instead of keeping them resident until exit. */
  malloc_trim(0);
}
