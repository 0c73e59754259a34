/** MQTT over WebSocket for the dashboard (path `/mqtt`, subprotocol `mqtt`, as on AWS IoT).
 * Locally this is plain ws:// on the loopback interface; the deployed site uses wss:// to the
 * AWS IoT endpoint, with TLS terminated by AWS. */
import http, { type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer } from "ws";

export const MQTT_WEBSOCKET_PATH = "/mqtt";
/** The largest WebSocket frame taken. The broker accepts no MQTT packet much over 128 KB
 * (mqttLimits.ts, AWS's limit), but a client may write several packets in one frame; 1 MiB holds
 * seven of the largest. ws's default (100 MiB) let anyone who reaches the port, before CONNECT
 * and its token, make the broker buffer 100 MiB per connection; ws refuses a larger frame by its
 * header (close 1009, "message too big") without reading it. */
export const MAX_WEBSOCKET_FRAME_BYTES = 1024 * 1024;

export interface MqttWebSocketServer {
  http: http.Server;
  close(): Promise<void>;
}

export function createMqttWebSocketServer(onStream: (stream: Duplex, request: IncomingMessage) => void): MqttWebSocketServer {
  const server = http.createServer((_request, response) => {
    response.writeHead(426, { "content-type": "text/plain" }).end(`MQTT over WebSocket only: connect to ${MQTT_WEBSOCKET_PATH}\n`);
  });
  const wss = new WebSocketServer({
    server,
    path: MQTT_WEBSOCKET_PATH,
    maxPayload: MAX_WEBSOCKET_FRAME_BYTES,
    // MQTT clients ask for `mqtt` (3.1.1) or `mqttv3.1`; answer with the one they asked for.
    handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : (protocols.values().next().value ?? false)),
  });
  wss.on("connection", (socket, request) => onStream(createWebSocketStream(socket), request));
  return {
    http: server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
      }),
  };
}
