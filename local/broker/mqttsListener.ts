/** MQTT over mutual TLS, the way devices reach AWS IoT (port 8883 there). The handshake only
 * lets in certificates this CA issued; which thing or service a certificate names is read once
 * here and handed on with the connection. */
import { constants } from "node:crypto";
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
      // No stateless TLS 1.3 session tickets. OpenSSL builds each one at the end of every handshake
      // by copying the session, which parses the client's certificate again (d2i_SSL_SESSION and
      // OpenSSL 3's key decoder, seen with `perf`): a connection cost this thread 5.4–7.2 ms with
      // them and 4.4–5.3 ms without (300 aws-crt connections per run, runs alternated, load 5–6),
      // paid by every device of a fleet as it connects, for tickets no device uses: the device SDK
      // (aws-crt) doesn't resume sessions. A client that tries gets a full handshake (TLS 1.3 then
      // sends stateful tickets, which this server keeps nowhere: Node leaves OpenSSL's own session
      // cache off; mqttsListener.test.ts).
      secureOptions: constants.SSL_OP_NO_TICKET,
    },
    (socket) => {
      // MQTT packets are small and latency-bound (PUBACKs gate the device's in-flight window):
      // don't let Nagle hold them back waiting for more bytes.
      socket.setNoDelay(true);
      // The certificate as OpenSSL already parsed it, not getPeerCertificate()'s object, which
      // is built field by field and then parsed again from its DER: with the identity check,
      // 0.45–0.76 ms of this thread per connection against 0.14–0.43 ms (300 connections,
      // load average about 8), paid by every device of a fleet as it connects.
      const certificate = socket.getPeerX509Certificate();
      onConnection(socket, { transport: "mqtts", identity: pki.identityOf(certificate), certificateFingerprint: certificate?.fingerprint256 });
    },
  );
  // Certificates from another CA end here, before MQTT starts: AWS likewise drops the
  // connection during the handshake, with no CONNACK.
  server.on("tlsClientError", (error, socket) => log(`broker: TLS handshake from ${socket.remoteAddress ?? "?"} failed: ${error.message}`));
  return server;
}
