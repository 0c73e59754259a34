/** Broker lines `snapfleet dev` leaves out: a device dropping its connection is everyday IoT (the
 * status table shows it offline), and the broker's socket-level errors for it would only be noise:
 * ECONNRESET on a read or write, and aedes's "connection closed" for each write still queued to a
 * client that is gone (four a device when Ctrl-C stopped devices during an install). A connection
 * the broker closes for a reason says so on its own line ("refused ...; connection closed"). */
export function isBrokerNoise(line: string): boolean {
  return /^broker: client ".*" error: ((read|write) ECONNRESET|connection closed)$/.test(line);
}
