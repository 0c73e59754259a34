/** Why the crt reported a link lost, so an outage can be told apart afterwards (a flaky test, a
 * soak's extra drop, a field log): the crt's own error says whether its ping went unanswered
 * (keepalive), the other end closed the socket (the broker, or something on the route), or
 * something else failed. */

export type OutageCause = "keepalive timeout" | "socket closed" | "error";

export interface OutageRecord {
  /** 1 for the transport's first outage. */
  n: number;
  cause: OutageCause;
  /** Date.now() when the crt reported it. */
  at: number;
  /** Milliseconds since the link last came up (CONNACK), or undefined if it never did. */
  afterConnectMs: number | undefined;
  /** The crt's error name and message. */
  detail: string;
}

/** aws-c-mqtt / aws-c-io error names (CrtError.error_name). */
const KEEPALIVE = new Set(["AWS_ERROR_MQTT_TIMEOUT"]);
const CLOSED = new Set(["AWS_IO_SOCKET_CLOSED", "AWS_ERROR_MQTT_UNEXPECTED_HANGUP", "AWS_IO_TLS_CLOSED_GRACEFUL", "AWS_IO_TLS_CLOSED_ABORT", "AWS_IO_BROKEN_PIPE"]);

export function outageCause(error: unknown): { cause: OutageCause; detail: string } {
  const name = (error as { error_name?: string } | undefined)?.error_name;
  const message = (error as Error | undefined)?.message ?? String(error);
  const detail = name && !message.includes(name) ? `${name}: ${message}` : message;
  if (name && KEEPALIVE.has(name)) return { cause: "keepalive timeout", detail };
  if (name && CLOSED.has(name)) return { cause: "socket closed", detail };
  return { cause: "error", detail };
}

export function formatOutages(records: readonly OutageRecord[]): string {
  return records
    .map((r) => `#${r.n} ${new Date(r.at).toISOString().slice(11, 23)} ${r.cause}${r.afterConnectMs === undefined ? "" : ` ${r.afterConnectMs} ms after the link came up`} (${r.detail})`)
    .join("; ");
}
