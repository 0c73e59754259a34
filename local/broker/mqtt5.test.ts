/** MQTT 5 against the local cloud: what README "MQTT 5" documents. aedes 1.x speaks 3.1.1 only,
 * so an MQTT 5 client (the SDK's `mqtt5.Mqtt5Client`, as in every current AWS device SDK sample,
 * or mqtt.js v5 over WebSocket) gets a CONNACK it can read, reason 0x84 Unsupported Protocol
 * Version with a Reason String, and the local cloud's log says what to use instead. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { iot, mqtt5 } from "aws-iot-device-sdk-v2";
import mqtt from "mqtt";
import { channelManifest } from "../../test/support/channelManifest";
import { LocalBroker } from "./index";
import { sdkConnection } from "./sdkConnection";

describe("LocalBroker and MQTT 5 clients", function () {
  this.timeout(15_000);
  let stateDir: string;
  let broker: LocalBroker;
  let logLines: string[] = [];

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-broker-mqtt5-"));
    broker = await LocalBroker.start({ stateDir, app: "grow", manifest: channelManifest("grow", []), log: (line) => logLines.push(line) });
  });

  beforeEach(() => {
    logLines = [];
  });

  after(async () => {
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("refuses the SDK's Mqtt5Client over mutual TLS with CONNACK 0x84 and a reason it can read, and logs what to use instead", async () => {
    const identity = await broker.provisionDevice("a");
    const config = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory("127.0.0.1", identity.certPem, identity.keyPem)
      .withCertificateAuthority(broker.caCertPem)
      .withPort(broker.mqttsPort)
      .withConnectProperties({ clientId: "a", keepAliveIntervalSeconds: 30 })
      .withMinReconnectDelayMs(60_000)
      .build();
    const client = new mqtt5.Mqtt5Client(config);
    try {
      const failure = once(client, "connectionFailure") as Promise<[mqtt5.ConnectionFailureEvent]>;
      client.start();
      const [event] = await failure;
      assert.equal(event.connack?.reasonCode, mqtt5.ConnectReasonCode.UnsupportedProtocolVersion);
      assert.match(event.connack?.reasonString ?? "", /MQTT 5 is not supported by the snapfleet local cloud yet.*connect with MQTT 3\.1\.1/);
    } finally {
      const stopped = once(client, "stopped");
      client.stop();
      await stopped;
      client.close();
    }
    const line = logLines.find((l) => l.includes("MQTT 5"));
    assert.ok(line, `the local cloud explains the refusal; log: ${JSON.stringify(logLines)}`);
    assert.match(line, /refused an MQTT 5 CONNECT \(client id "a"\)/);
    assert.match(line, /speaks MQTT 3\.1\.1 only/);
    assert.match(line, /new_connection\(iot\.AwsIotMqttConnectionConfigBuilder.*protocolVersion: 4.*README "MQTT 5"/);

    // What the message says to do works, with the same certificate and client id.
    const connection = sdkConnection({ host: "127.0.0.1", port: broker.mqttsPort, caCertPem: broker.caCertPem, ...identity, clientId: "a" });
    await connection.connect();
    await connection.disconnect();
  });

  it("refuses an MQTT 5 client over WebSocket the same way", async () => {
    const error = await mqtt
      .connectAsync(broker.webSocketUrl, { clientId: "sf-grow-dashboard-v5", username: "dashboard", password: broker.issueDashboardToken(), protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 })
      .then((client) => client.endAsync(true).then(() => undefined))
      .catch((e: Error & { code?: number }) => e);
    assert.ok(error, "an MQTT 5 connect is refused");
    assert.equal(error.code, 0x84);
    assert.ok(logLines.some((l) => l.includes('refused an MQTT 5 CONNECT (client id "sf-grow-dashboard-v5")')));
  });
});
