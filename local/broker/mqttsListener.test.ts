/** The mutual-TLS listener (mqttsListener.ts) on its own: who a connection is, and no TLS session
 * resumption (every connect is a full handshake, with no session ticket for the broker to build;
 * the listener's comment says what a ticket cost). */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { ensureLocalPki, type LocalPki } from "../certificates";
import type { ConnectionOrigin } from "./identify";
import { createMqttsServer } from "./mqttsListener";

describe("mqtts listener", () => {
  let stateDir: string;
  let pki: LocalPki;
  let server: tls.Server;
  let port: number;
  const origins: ConnectionOrigin[] = [];

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-mqtts-"));
    pki = await ensureLocalPki(stateDir);
    server = createMqttsServer(
      pki,
      (socket, origin) => {
        origins.push(origin);
        // Something to read, so the client sees the handshake's last messages (TLS 1.3 sends its
        // session tickets after the handshake) before it closes.
        socket.end(Buffer.from([0x20, 2, 0, 0]));
      },
      () => {},
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(stateDir, { recursive: true, force: true });
  });

  /** One connection of a device: whether its handshake resumed a session, and the sessions it was given. */
  async function connect(identity: { certPem: string; keyPem: string }, session?: Buffer): Promise<{ reused: boolean; protocol: string | null; sessions: Buffer[] }> {
    const socket = tls.connect({ host: "127.0.0.1", port, ca: pki.caCertPem, cert: identity.certPem, key: identity.keyPem, session });
    const sessions: Buffer[] = [];
    socket.on("session", (s: Buffer) => sessions.push(s));
    await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
    const reused = socket.isSessionReused();
    const protocol = socket.getProtocol();
    socket.resume();
    await new Promise((resolve) => socket.once("close", resolve));
    return { reused, protocol, sessions };
  }

  it("names the thing of each connection's certificate", async () => {
    origins.length = 0;
    await connect(await pki.deviceIdentity("lamp-1"));
    assert.deepEqual(origins.map((o) => o.transport === "mqtts" && o.identity), [{ kind: "thing", thingName: "lamp-1" }]);
  });

  it("resumes no TLS session: a client offering the one it was given gets a full handshake, its certificate checked again", async () => {
    origins.length = 0;
    const identity = await pki.deviceIdentity("lamp-2");
    const first = await connect(identity);
    assert.equal(first.protocol, "TLSv1.3");
    assert.equal(first.reused, false);
    // TLS 1.3 may still hand out stateful tickets, which this server keeps nowhere; with the
    // stateless ones (OpenSSL's default) the second connect below resumed.
    for (const session of first.sessions) {
      const again = await connect(identity, session);
      assert.equal(again.reused, false, "the broker resumed a TLS session");
    }
    assert.equal(origins.length, 1 + first.sessions.length);
    assert.ok(origins.every((o) => o.transport === "mqtts" && o.identity?.kind === "thing" && o.identity.thingName === "lamp-2"));
  });
});
