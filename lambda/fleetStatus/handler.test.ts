import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeDashboardKey, mintDashboardToken } from "../../core/contracts/dashboardToken";
import { encodeDeviceStatus, type DeviceStatus } from "../../core/contracts/deviceStatus";
import { FLEET_STATUS_TOKEN_HEADER, decodeFleetStatusPage } from "../../core/contracts/fleetStatus";
import { bundleLambda } from "../../components/authorizerBundle";
import { DynamoStatusTable } from "./dynamoStatusTable";
import { fakeDynamoDb, type FakeDynamoDb } from "./fakeDynamoDb";
import { createFleetStatusApi, createStatusRecorder, type FunctionUrlEvent } from "./handler";
import { FLEET_STATUS_ENV } from "./index";

const APP = "grow-station";
const KEY = Buffer.alloc(32, 5);
const NOW = Date.UTC(2026, 0, 1);

const status = (s: Partial<DeviceStatus>) => Buffer.from(encodeDeviceStatus({ online: true, version: "v1", bootId: "b1", t: 1, ...s })).toString("base64");
const ruleEvent = (thing: string, payload: string, receivedAt: number) => ({ thing, payload, receivedAt });
const get = (query: string, token: string | null = mintDashboardToken(KEY, APP, 60_000, NOW)): FunctionUrlEvent => ({
  rawQueryString: query,
  headers: token === null ? {} : { [FLEET_STATUS_TOKEN_HEADER]: token },
  requestContext: { http: { method: "GET" } },
});

describe("fleet-status Lambdas (handlers called directly, DynamoDB faked)", () => {
  let db: FakeDynamoDb;
  let log: string[];
  let record: ReturnType<typeof createStatusRecorder>;
  let list: ReturnType<typeof createFleetStatusApi>;

  beforeEach(() => {
    db = fakeDynamoDb();
    log = [];
    const table = new DynamoStatusTable(db.module, new db.module.DynamoDBClient({}), "status-table");
    record = createStatusRecorder({ table, log: (l) => log.push(l) });
    list = createFleetStatusApi({ app: APP, table, loadKey: async () => KEY, now: () => NOW });
  });

  const page = async (query = "") => {
    const result = await list(get(query));
    assert.equal(result.statusCode, 200, result.body);
    return decodeFleetStatusPage(JSON.parse(result.body));
  };

  it("records each device's status from the topic rule and lists it; a last will keeps the known version", async () => {
    assert.equal(await record(ruleEvent("gh-1", status({ version: "abc123" }), 1000)), "put");
    assert.equal(await record(ruleEvent("gh-1", status({ online: false, version: "" }), 2000)), "put");
    await record(ruleEvent("gh-2", status({ version: "def456", bootId: "b9", t: 5 }), 1500));
    const { devices, next } = await page();
    assert.equal(next, undefined);
    assert.deepEqual(devices.sort((a, b) => a.thing.localeCompare(b.thing)), [
      { thing: "gh-1", online: false, version: "abc123", bootId: "b1", t: 1, receivedAt: 2000 },
      { thing: "gh-2", online: true, version: "def456", bootId: "b9", t: 5, receivedAt: 1500 },
    ]);
  });

  it("ignores a message older than the stored one (rule invocations run out of order), and deletes on an empty status", async () => {
    await record(ruleEvent("gh-1", status({ online: true }), 2000));
    assert.equal(await record(ruleEvent("gh-1", status({ online: false }), 1000)), "unchanged");
    assert.equal((await page()).devices[0].online, true);
    assert.equal(await record(ruleEvent("gh-1", "", 3000)), "delete");
    assert.deepEqual((await page()).devices, []);
  });

  it("keeps the newer of two writes that race on one device (conditional write, read again)", async () => {
    await record(ruleEvent("gh-1", status({ online: true, version: "v1" }), 1000));
    // The last will of the old connection is being written while the new connection's status lands.
    db.beforeWrite = () => record(ruleEvent("gh-1", status({ online: true, version: "v2", bootId: "b2" }), 3000)).then(() => undefined);
    assert.equal(await record(ruleEvent("gh-1", status({ online: false, version: "" }), 2000)), "unchanged");
    assert.deepEqual((await page()).devices.map((d) => [d.online, d.version, d.receivedAt]), [[true, "v2", 3000]]);
    assert.ok(db.sent.filter((s) => s.command === "GetItemCommand").every((s) => s.input.ConsistentRead === true));
  });

  it("reports and skips malformed rule events and statuses, without writing", async () => {
    assert.equal(await record(ruleEvent("gh-1", Buffer.from('{"online":"yes"}').toString("base64"), 1000)), "ignored");
    assert.equal(await record({ thing: "Bad_Name", payload: status({}), receivedAt: 1 }), "ignored");
    assert.equal(await record({ thing: "gh-1", payload: 42, receivedAt: 1 }), "ignored");
    assert.equal(db.items.size, 0);
    assert.equal(log.length, 3);
    assert.match(log[0], /ignored the status of "gh-1": invalid device status: online must be a boolean/);
  });

  it("pages through a thousand devices with the cursor it returns", async () => {
    for (let i = 0; i < 1000; i++) await record(ruleEvent(`d-${i}`, status({}), 1000 + i));
    const seen = new Set<string>();
    let after: string | undefined;
    let pages = 0;
    do {
      const p = await page(`limit=300${after ? `&after=${after}` : ""}`);
      for (const d of p.devices) seen.add(d.thing);
      after = p.next;
      pages++;
    } while (after !== undefined);
    assert.equal(seen.size, 1000);
    assert.equal(pages, 4);
    assert.ok(db.sent.filter((s) => s.command === "ScanCommand").every((s) => s.input.Limit === 300 && s.input.TableName === "status-table"));
  });

  it("pages each segment of a parallel scan with its own cursor; the segments together list every device once", async () => {
    for (let i = 0; i < 1000; i++) await record(ruleEvent(`d-${i}`, status({}), 1000 + i));
    const seen: string[] = [];
    for (let segment = 0; segment < 4; segment++) {
      let after: string | undefined;
      do {
        const p = await page(`limit=100&segment=${segment}&segments=4${after ? `&after=${after}` : ""}`);
        seen.push(...p.devices.map((d) => d.thing));
        after = p.next;
      } while (after !== undefined);
    }
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000, "no device in two segments");
    const scans = db.sent.filter((s) => s.command === "ScanCommand");
    assert.deepEqual([...new Set(scans.map((s) => `${s.input.Segment}/${s.input.TotalSegments}`))], ["0/4", "1/4", "2/4", "3/4"]);
    const refused = await list(get("segment=4&segments=4"));
    assert.equal(refused.statusCode, 400);
    assert.match(JSON.parse(refused.body).error, /segment must be an integer from 0 to 3/);
    assert.match(JSON.parse((await list(get("segment=0"))).body).error, /segments must be an integer from 1 to 16 \(with segment\)/);
  });

  it("answers only a valid dashboard token of this app, and GET only", async () => {
    assert.equal((await list(get("", null))).statusCode, 401);
    assert.equal((await list(get("", mintDashboardToken(KEY, "other-app", 60_000, NOW)))).statusCode, 401);
    assert.equal((await list(get("", mintDashboardToken(KEY, APP, 1000, NOW - 5000)))).statusCode, 401);
    assert.equal((await list(get("limit=5000"))).statusCode, 400);
    assert.equal((await list({ ...get(""), requestContext: { http: { method: "POST" } } })).statusCode, 405);
    assert.equal(db.sent.length, 0, "nothing read for a refused request");
    const ok = await list(get(""));
    assert.equal(ok.headers["cache-control"], "no-store");
  });

  it("bundles into a self-contained Lambda file with `record` and `list` entry points", async function () {
    this.timeout(20_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-fleet-status-"));
    const saved = { ...process.env };
    try {
      fs.writeFileSync(path.join(dir, "index.js"), await bundleLambda("fleetStatus"));
      // Stand-ins for the SDK modules the Lambda runtime provides (the bundle leaves them external).
      const module = (name: string, text: string) => {
        fs.mkdirSync(path.join(dir, "node_modules", "@aws-sdk", name), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "@aws-sdk", name, "index.js"), text);
      };
      module("client-dynamodb", `module.exports = require(${JSON.stringify(path.join(dir, "fake.js"))}).module;`);
      fs.writeFileSync(path.join(dir, "fake.js"), `const { fakeDynamoDb } = require(${JSON.stringify(require.resolve("./fakeDynamoDb"))}); module.exports = fakeDynamoDb();`);
      module(
        "client-secrets-manager",
        `exports.GetSecretValueCommand = class { constructor(input) { this.input = input; } };
exports.SecretsManagerClient = class { async send() { return { SecretString: ${JSON.stringify(encodeDashboardKey(KEY))} }; } };`,
      );
      Object.assign(process.env, { [FLEET_STATUS_ENV.app]: APP, [FLEET_STATUS_ENV.table]: "t", [FLEET_STATUS_ENV.keySecretArn]: "arn:aws:secretsmanager:eu-west-1:1:secret:k" });
      const lambda = require(path.join(dir, "index.js"));
      assert.equal(await lambda.record(ruleEvent("gh-1", status({ version: "zz" }), 10)), "put");
      const answer = await lambda.list(get("", mintDashboardToken(KEY, APP, 60_000)));
      assert.equal(answer.statusCode, 200, answer.body);
      assert.deepEqual(decodeFleetStatusPage(JSON.parse(answer.body)).devices.map((d) => `${d.thing}@${d.version}`), ["gh-1@zz"]);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
