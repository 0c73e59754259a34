/** MQTT over WebSocket for the dashboard (path `/mqtt`, subprotocol `mqtt`, as on AWS IoT).
 * Locally this is plain ws:// on the loopback interface; the deployed site uses wss:// to the
 * AWS IoT endpoint, with TLS terminated by AWS. */
import http, { type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer } from "ws";

export const MQTT_WEBSOCKET_PATH = "/mqtt";

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
