/** The local cloud's dashboard port when none is given, `snapfleet dev`'s too (a file of its own,
 * so the command line's help reads it without loading the cloud); MQTT over TLS is on the next
 * one, WebSocket on the one after. */
export const DEFAULT_LOCAL_CLOUD_PORT = 8080;
