/* libcurl, opened only while a package downloads. Linked at start, libcurl and the libraries it
 * brings (GnuTLS, Kerberos, LDAP, libssh2, nghttp2, p11-kit, ...) cost every device process about
 * 4 MB of resident pages for a transfer it makes once per update (bench/native.bench.ts, RSS of a
 * networked device); opened for the download and closed after, they cost nothing in between.
 * The functions keep curl.h's prototypes (typeof), so a call with the wrong arguments still fails
 * the build. */
#ifndef SF_POSIX_CURL_LIBRARY_H
#define SF_POSIX_CURL_LIBRARY_H

#include <curl/curl.h>
#include <stddef.h>

/* curl_<name> for each function download.c uses. */
#define SF_CURL_FUNCTIONS(X) \
  X(global_init)             \
  X(global_cleanup)          \
  X(easy_init)               \
  X(easy_setopt)             \
  X(easy_getinfo)            \
  X(easy_strerror)           \
  X(easy_cleanup)            \
  X(multi_init)              \
  X(multi_add_handle)        \
  X(multi_remove_handle)     \
  X(multi_perform)           \
  X(multi_poll)              \
  X(multi_info_read)         \
  X(multi_cleanup)

#define SF_CURL_FIELD(name) __typeof__(curl_##name)* name;
typedef struct sf_Curl {
  SF_CURL_FUNCTIONS(SF_CURL_FIELD)
  void* library;
} sf_Curl;
#undef SF_CURL_FIELD

/* Opens libcurl (its Debian soname) and runs curl_global_init; NULL with `error` saying what is
 * missing and how to get it. Each open is paired with one sf_curl_close. */
const sf_Curl* sf_curl_open(char* error, size_t errorSize);
/* curl_global_cleanup, then the library is closed (its pages leave the process) and the heap
 * pages the transfer used go back to the system. */
void sf_curl_close(const sf_Curl* curl);

#endif
