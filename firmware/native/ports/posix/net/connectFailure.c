#include "connectFailure.h"

#include <MQTTAsync.h>
#include <string.h>

/* Texts OpenSSL puts in its errors when a certificate can't work: ours refusing the broker's
 * ("certificate verify failed", with X509's reason), or the broker's TLS 1.2 alert refusing ours. */
static const char* const CERTIFICATE_REFUSALS[] = {
    "certificate verify failed",
    "alert bad certificate",
    "alert unknown ca",
    "alert certificate revoked",
    "alert certificate expired",
    "alert certificate unknown",
    "alert certificate required",
    "alert access denied",
};

bool sf_connectFailure_refused(int code, const char* tlsError) {
  /* CONNACK 3, server unavailable: the broker may take us later. Every other CONNACK refusal is
   * about who we are. */
  if (code > 0) return code != 3;
  if (code != MQTTASYNC_FAILURE) return true;
  for (size_t i = 0; tlsError && i < sizeof CERTIFICATE_REFUSALS / sizeof CERTIFICATE_REFUSALS[0]; i++) {
    if (strstr(tlsError, CERTIFICATE_REFUSALS[i])) return true;
  }
  return false;
}

const char* sf_connectFailure_codeWords(int code) {
  switch (code) {
    case 1: return "CONNACK 1 (unacceptable protocol version)";
    case 2: return "CONNACK 2 (client identifier rejected)";
    case 3: return "CONNACK 3 (server unavailable)";
    case 4: return "CONNACK 4 (bad user name or password)";
    case 5: return "CONNACK 5 (not authorized)";
    case MQTTASYNC_FAILURE: return "no CONNACK";
    default: return "Paho refused the connect request";
  }
}
