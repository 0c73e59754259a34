/** Why a connect attempt failed, and whether trying again can help. The crt rejects a failed
 * connect with a string ("Failed to connect: aws-c-io: AWS_IO_SOCKET_CONNECTION_REFUSED, …"),
 * not an error object; the aws-c-io / aws-c-mqtt error name in it says what happened.
 *
 * Transient: nothing answered, or the link went away before a CONNACK (a broker not up yet, busy,
 * restarting, a network that drops): a real device keeps trying, and so does the transport.
 * Permanent: the broker answered and said no (a CONNACK refusing the identity, or a policy that
 * denies iot:Connect: the crt reports either as a protocol error or "Server rejected connection"),
 * or TLS failed on certificates: trying again gives the same answer, so the error comes at once.
 * Names seen on this machine (aws-crt 1.x, probed against a refusing port, a port that accepts
 * and never answers, one that hangs up, and the local broker refusing a client id):
 * AWS_IO_SOCKET_CONNECTION_REFUSED, AWS_IO_TLS_NEGOTIATION_TIMEOUT (10 s), AWS_IO_SOCKET_CLOSED,
 * AWS_ERROR_MQTT_PROTOCOL_ERROR. A certificate the broker's TLS rejects arrives as
 * AWS_IO_SOCKET_CLOSED too (TLS 1.3 checks the client after the client's handshake is done), so
 * it is retried until the budget runs out; the give-up error names it as a cause to check. */

export interface ConnectFailure {
  /** The crt's error name, when the rejection carried one. */
  name: string | undefined;
  /** What the crt said, as is. */
  detail: string;
  transient: boolean;
}

const TRANSIENT = new Set([
  "AWS_IO_SOCKET_CONNECTION_REFUSED",
  "AWS_IO_SOCKET_TIMEOUT",
  "AWS_IO_SOCKET_CLOSED",
  "AWS_IO_SOCKET_NETWORK_DOWN",
  "AWS_IO_SOCKET_NO_ROUTE_TO_HOST",
  "AWS_IO_BROKEN_PIPE",
  "AWS_IO_TLS_NEGOTIATION_TIMEOUT",
  "AWS_IO_TLS_CLOSED_GRACEFUL",
  "AWS_IO_TLS_CLOSED_ABORT",
  "AWS_IO_DNS_QUERY_FAILED",
  "AWS_ERROR_MQTT_TIMEOUT",
  "AWS_ERROR_MQTT_UNEXPECTED_HANGUP",
]);

export function connectFailure(rejection: unknown): ConnectFailure {
  const detail = String((rejection as Error | undefined)?.message ?? rejection);
  const name = (rejection as { error_name?: string } | undefined)?.error_name ?? /\b(AWS_[A-Z0-9_]+)\b/.exec(detail)?.[1];
  return { name, detail, transient: name !== undefined && TRANSIENT.has(name) };
}
