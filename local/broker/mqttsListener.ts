/** MQTT over mutual TLS, the way devices reach AWS IoT (port 8883 there). The handshake only
 * lets in certificates this CA issued; which thing or service a certificate names is read once
 * here and handed on with the connection. */
import tls from "node:tls";
import type { LocalPki } from "../certificates";
import type { ConnectionOrigin } from "./identify";

export function createMqttsServer(
  pki: LocalPki,
  onConnection: (socket: tls.TLSSocket, origin: ConnectionOrigin) => void,
  log: (line: string) => void,
): tls.Server {
  const server = tls.createServer(
    {
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: [pki.caCertPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
    },
    (socket) => {
      // MQTT packets are small and latency-bound (PUBACKs gate the device's in-flight window):
      // don't let Nagle hold them back waiting for more bytes.
      socket.setNoDelay(true);
      const certificate = socket.getPeerCertificate();
      onConnection(socket, { transport: "mqtts", identity: pki.identityOf(certificate), certificateFingerprint: certificate.fingerprint256 });
    },
  );
  // Certificates from another CA end here, before MQTT starts: AWS likewise drops the
  // connection during the handshake, with no CONNACK.
  server.on("tlsClientError", (error, socket) => log(`broker: TLS handshake from ${socket.remoteAddress ?? "?"} failed: ${error.message}`));
  return server;
}
