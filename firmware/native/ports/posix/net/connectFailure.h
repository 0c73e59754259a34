/* Why a first connect failed, and whether trying again can help: the native twin of
 * firmware/comms/connectFailure.ts (the TypeScript device decides the same way).
 *
 * Refused: the broker answered and said no, or the certificates can't work. Trying again gives
 * the same answer, so the device stops at once and says what to check.
 *   - a CONNACK refusing the connection (MQTT 3.1.1, 3.2.2.3): 1 protocol version, 2 client id,
 *     4 user name or password, 5 not authorized (the local broker's answer to a certificate it
 *     knows but a policy that denies iot:Connect, or a thing not attached to it).
 *   - the broker's certificate failed our check (a wrong --ca, a host name it doesn't name).
 *   - the broker's TLS refused ours in the handshake (TLS 1.2 alerts: bad, unknown, revoked or
 *     expired certificate, unknown CA).
 *   - Paho refused the request itself (a negative code other than MQTTASYNC_FAILURE: bad options).
 * Transient: nothing answered, or the link closed before a CONNACK (a broker not up yet, busy or
 * restarting, a network that drops), and CONNACK 3 (server unavailable): a device keeps trying.
 * A certificate the broker's TLS 1.3 refuses is among these: TLS 1.3 checks the client after the
 * client's handshake is done, so Paho sees the link close after its CONNECT ("TCP connect
 * completion failure", measured against the local broker with a certificate of another CA), the
 * same as a broker that hangs up. It is retried until the first connect's budget runs out, and
 * the give-up message names the certificate as a cause to check. */
#ifndef SF_POSIX_CONNECT_FAILURE_H
#define SF_POSIX_CONNECT_FAILURE_H

#include <stdbool.h>
#include <stddef.h>

/* Paho's failure code of a connect (MQTTAsync_failureData.code: a CONNACK return code 1-5, or a
 * negative MQTTASYNC_ code), and the last TLS error Paho reported during that attempt ("" if
 * none). true: refused, don't try again. */
bool sf_connectFailure_refused(int code, const char* tlsError);

/* "CONNACK 5 (not authorized)" and the like: Paho's code in words, for a log line. */
const char* sf_connectFailure_codeWords(int code);

#endif
