/** The local Device Shadow MQTT API against what AWS documents ("Device Shadow MQTT topics",
 * "Device Shadow service documents", "Device Shadow error messages"), seen from a device: the real
 * broker over mutual TLS, aws-iot-device-sdk-v2's MQTT 3.1.1 connection and AWS's own `iotshadow`
 * client, so the SDK, not our code, decides whether topics and payloads have AWS's shape. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { iotshadow, mqtt as crt } from "aws-iot-device-sdk-v2";
import { settingsShadowName } from "../../core/settings/settingDecl";
import { channelManifest } from "../../test/support/channelManifest";
import { connectSdkDevice } from "../../test/support/sdkDevice";
import { waitFor } from "../../test/support/waitFor";
import { LocalBroker } from "../broker";
import { openLocalDatabase, type LocalDatabase } from "../database/localDatabase";
import { ShadowService } from "./shadowService";

const QOS = crt.QoS.AtLeastOnce;
const APP = "grow";
const SHADOW = settingsShadowName(APP);

describe("local Device Shadow MQTT API: what AWS documents", function () {
  this.timeout(30_000);
  let stateDir: string;
  let broker: LocalBroker;
  let database: LocalDatabase;
  let shadows: ShadowService;
  let thingCount = 0;
  const open: crt.MqttClientConnection[] = [];

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-shadow-api-"));
    broker = await LocalBroker.start({ stateDir, app: APP, manifest: { ...channelManifest(APP, []), settings: [{ name: "setpoint", default: 21, min: 5, max: 35 }] } });
    database = openLocalDatabase(stateDir);
    shadows = await ShadowService.start({ aedes: broker.aedes, database });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  });

  after(async () => {
    await shadows?.stop();
    database?.close();
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  /** A fresh thing, connected as a device is, its iotshadow client listening on every answer. */
  async function device() {
    const thing = `t${++thingCount}`;
    const connection = await connectSdkDevice(broker, thing, (c) => open.push(c));
    const client = new iotshadow.IotShadowClient(connection);
    const seen = { getAccepted: [] as iotshadow.model.GetShadowResponse[], getRejected: [] as iotshadow.model.ErrorResponse[], updateRejected: [] as iotshadow.model.ErrorResponse[], delta: [] as iotshadow.model.ShadowDeltaUpdatedEvent[] };
    const request = { thingName: thing, shadowName: SHADOW };
    const keep = <T>(list: T[]) => (error?: unknown, response?: T) => void (error ? list.push({ error } as T) : list.push(response!));
    await client.subscribeToGetNamedShadowAccepted(request, QOS, keep(seen.getAccepted));
    await client.subscribeToGetNamedShadowRejected(request, QOS, keep(seen.getRejected));
    await client.subscribeToUpdateNamedShadowRejected(request, QOS, keep(seen.updateRejected));
    await client.subscribeToNamedShadowDeltaUpdatedEvents(request, QOS, keep(seen.delta));
    return { thing, connection, client, seen, request };
  }

  it("get before the first update: 404 with AWS's message and the client token", async () => {
    const { client, seen, request } = await device();
    await client.publishGetNamedShadow({ ...request, clientToken: "first" }, QOS);
    await waitFor("get/rejected", () => seen.getRejected.length === 1);
    assert.equal(seen.getRejected[0].code, 404);
    assert.equal(seen.getRejected[0].message, `No shadow exists with name: '${SHADOW}'`);
    assert.equal(seen.getRejected[0].clientToken, "first");
  });

  it("update: versions count up, a delta carries only the desired values that differ, get returns state, delta and metadata", async () => {
    const { client, seen, request } = await device();
    await client.publishUpdateNamedShadow({ ...request, state: { reported: { setpoint: 21, mode: "auto" } }, clientToken: "r1" }, QOS);
    await client.publishUpdateNamedShadow({ ...request, state: { desired: { setpoint: 25, mode: "auto" } }, clientToken: "d1" }, QOS);
    await waitFor("a delta", () => seen.delta.length === 1);
    assert.deepEqual(seen.delta[0].state, { setpoint: 25 });
    assert.equal(seen.delta[0].version, 2);
    assert.equal(seen.delta[0].clientToken, "d1");
    await client.publishGetNamedShadow({ ...request, clientToken: "g" }, QOS);
    await waitFor("get/accepted", () => seen.getAccepted.length === 1);
    const got = seen.getAccepted[0];
    assert.equal(got.version, 2);
    assert.deepEqual(got.state, { desired: { setpoint: 25, mode: "auto" }, reported: { setpoint: 21, mode: "auto" }, delta: { setpoint: 25 } });
    const seconds = Number(got.timestamp as unknown);
    assert.ok(Math.abs(seconds - Date.now() / 1000) < 300, `timestamp in Unix seconds, as AWS sends it: ${String(got.timestamp)}`);
    assert.ok((got.metadata as any).desired.setpoint.timestamp > 0);
    // null deletes a key; the matching report leaves no delta
    await client.publishUpdateNamedShadow({ ...request, state: { reported: { setpoint: 25 }, desired: { mode: null } } as any }, QOS);
    await client.publishGetNamedShadow(request, QOS);
    await waitFor("second get", () => seen.getAccepted.length === 2);
    assert.deepEqual(seen.getAccepted[1].state, { desired: { setpoint: 25 }, reported: { setpoint: 25, mode: "auto" } });
    assert.equal(seen.delta.length, 1, "no delta when desired and reported agree");
  });

  it("refuses what AWS refuses: version conflict 409, bad JSON 400, a long client token 400, more than 8 KB 413; nothing changes", async () => {
    const { thing, connection, client, seen, request } = await device();
    await client.publishUpdateNamedShadow({ ...request, state: { reported: { setpoint: 20 } } }, QOS);
    await client.publishUpdateNamedShadow({ ...request, state: { desired: { setpoint: 30 } }, version: 7, clientToken: "stale" }, QOS);
    const topic = `$aws/things/${thing}/shadow/name/${SHADOW}/update`;
    await connection.publish(topic, "{not json", QOS);
    await client.publishUpdateNamedShadow({ ...request, state: { desired: { setpoint: 1 } }, clientToken: "x".repeat(65) }, QOS);
    await client.publishUpdateNamedShadow({ ...request, state: { desired: { note: "y".repeat(9000) } } }, QOS);
    await connection.publish(topic, JSON.stringify({ desired: { setpoint: 1 } }), QOS);
    await waitFor("five rejections", () => seen.updateRejected.length === 5);
    assert.deepEqual(
      seen.updateRejected.map((r) => [r.code, r.message]),
      [
        [409, "Version conflict"],
        [400, "Invalid JSON"],
        [400, "Invalid clientToken"],
        [413, "The payload exceeds the maximum size allowed"],
        [400, "Missing required node: state"],
      ],
    );
    assert.equal(seen.updateRejected[0].clientToken, "stale");
    await client.publishGetNamedShadow(request, QOS);
    await waitFor("get", () => seen.getAccepted.length === 1);
    assert.deepEqual(seen.getAccepted[0].state, { reported: { setpoint: 20 } });
    assert.equal(seen.getAccepted[0].version, 1);
  });

  it("shadows are stored in the local database: a restarted service answers with the same document and version", async () => {
    const { client, seen, request } = await device();
    await client.publishUpdateNamedShadow({ ...request, state: { reported: { setpoint: 22 } } }, QOS);
    await client.publishUpdateNamedShadow({ ...request, state: { desired: { setpoint: 23 } } }, QOS);
    await waitFor("delta", () => seen.delta.length === 1);
    await shadows.stop();
    database.close();
    database = openLocalDatabase(stateDir);
    shadows = await ShadowService.start({ aedes: broker.aedes, database });
    await client.publishGetNamedShadow(request, QOS);
    await waitFor("get", () => seen.getAccepted.length === 1);
    assert.equal(seen.getAccepted[0].version, 2);
    assert.deepEqual(seen.getAccepted[0].state, { desired: { setpoint: 23 }, reported: { setpoint: 22 }, delta: { setpoint: 23 } });
  });

  it("least privilege: a device can't subscribe to another device's shadow, nor to another shadow of its own", async () => {
    const a = await device();
    const b = await device();
    const refused = (filter: string) =>
      b.connection.subscribe(filter, QOS, () => {}).then(
        (r) => (r.qos as number) === 128 || (r.error_code ?? 0) !== 0,
        () => true,
      );
    assert.equal(await refused(`$aws/things/${b.thing}/shadow/name/${SHADOW}/update/delta`), false, "its own settings shadow is granted");
    assert.equal(await refused(`$aws/things/${a.thing}/shadow/name/${SHADOW}/update/delta`), true, "subscribing to another thing's delta must fail");
    assert.equal(await refused(`$aws/things/${b.thing}/shadow/update/delta`), true, "the classic shadow is not granted");
    assert.equal(await refused(`$aws/things/${b.thing}/shadow/name/${SHADOW}/update/documents`), true, "documents are the dashboard's, not the device's");
  });
});
