/** The history API Lambda called directly, as CloudFront's function URL would, against a stand-in
 * for DynamoDB's Query (key condition, newest first, Limit) holding items as the history topic
 * rule writes them (components/featureServer.ts, historyRuleSql): AWS can't be reached from here. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundleLambda } from "../../components/authorizerBundle";
import { encodeDashboardKey, mintDashboardToken } from "../../core/contracts/dashboardToken";
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import { decodeHistoryPage } from "../../core/contracts/history";
import type { ChannelDecl } from "../../core/contracts/manifest";
import type { WireValue } from "../../core/contracts/wireValue";
import type { FunctionUrlEvent } from "../fleetStatus/handler";
import { DynamoHistoryTable, type AttributeValue, type DynamoDbQueryModule } from "./dynamoHistoryTable";
import { createHistoryApi } from "./handler";
import { HISTORY_API_ENV } from "./index";

const APP = "greenhouse";
const KEY = Buffer.alloc(32, 9);
const NOW = Date.UTC(2026, 5, 1, 12);
const CHANNELS = [
  { name: "temperature", direction: "device-to-server", qos: 0, history: { days: 7 } },
  { name: "heater", direction: "server-to-device", qos: 1 },
] as unknown as ChannelDecl[];

/** JSON → attribute value, as the DynamoDBv2 rule action converts a message's fields. */
function attribute(value: WireValue): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(attribute) };
  return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, attribute(v)])) };
}

/** Query on (pk, t) items: `pk = :pk AND t >= :since`, ScanIndexForward, Limit. */
function fakeQueryDynamoDb() {
  const items: Record<string, AttributeValue>[] = [];
  const queries: any[] = [];
  class QueryCommand {
    constructor(readonly input: any) {}
  }
  class DynamoDBClient {
    async send(command: QueryCommand): Promise<any> {
      const input = command.input;
      queries.push(input);
      assert.equal(input.KeyConditionExpression, "pk = :pk AND t >= :since");
      const pk = input.ExpressionAttributeValues[":pk"].S;
      const since = Number(input.ExpressionAttributeValues[":since"].N);
      const t = (i: Record<string, AttributeValue>) => Number((i.t as { N: string }).N);
      let found = items.filter((i) => (i.pk as { S: string }).S === pk && t(i) >= since).sort((a, b) => t(a) - t(b));
      if (input.ScanIndexForward === false) found.reverse();
      found = found.slice(0, input.Limit);
      return { Items: structuredClone(found) };
    }
  }
  /** An item as the rule writes it for `thing`'s message on `channel`. */
  const write = (thing: string, channel: string, id: string, v: WireValue, t: number) =>
    items.push({ pk: { S: `${thing}/${channel}` }, t: { N: String(t) }, id: { S: id }, v: attribute(v), expiresAt: { N: String(Math.floor(t / 1000) + 7 * 86_400) } });
  return { module: { DynamoDBClient, QueryCommand } as unknown as DynamoDbQueryModule, write, queries, client: new DynamoDBClient() };
}

const get = (query: string, token: string | null = mintDashboardToken(KEY, APP, 60_000, NOW)): FunctionUrlEvent => ({
  rawQueryString: query,
  headers: token === null ? {} : { [FLEET_STATUS_TOKEN_HEADER]: token },
  requestContext: { http: { method: "GET" } },
});

describe("history API Lambda (handler called directly, DynamoDB Query faked)", () => {
  let db: ReturnType<typeof fakeQueryDynamoDb>;
  let api: ReturnType<typeof createHistoryApi>;

  beforeEach(() => {
    db = fakeQueryDynamoDb();
    api = createHistoryApi({ app: APP, channels: CHANNELS, table: new DynamoHistoryTable(db.module, db.client, "history"), loadKey: async () => KEY, now: () => NOW });
  });

  it("answers the dashboard's question exactly as the local dashboard server does: stored messages oldest first, values as sent", async () => {
    const values: WireValue[] = [21.5, "warm", true, null, [1, 2], { a: { b: [false] } }];
    values.forEach((v, i) => db.write("gh-1", "temperature", `b00t:${i + 1}`, v, NOW - 60_000 + i * 1000));
    db.write("gh-2", "temperature", "other:1", 99, NOW - 1000);
    const answer = await api(get(`thing=gh-1&channel=temperature&since=${NOW - 3_600_000}`));
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(answer.headers["cache-control"], "no-store");
    const { messages } = decodeHistoryPage(JSON.parse(answer.body)); // the page's own check
    assert.deepEqual(messages.map((m) => m.v), values);
    assert.deepEqual(messages.map((m) => m.id), values.map((_, i) => `b00t:${i + 1}`));
    assert.deepEqual(messages.map((m) => m.t), values.map((_, i) => NOW - 60_000 + i * 1000));
  });

  it("returns the newest `limit` of the window, and nothing past the channel's days even before TTL deletes it", async () => {
    for (let i = 0; i < 10; i++) db.write("gh-1", "temperature", `b:${i + 1}`, i, NOW - 10_000 + i * 1000);
    db.write("gh-1", "temperature", "old:1", -1, NOW - 8 * 86_400_000);
    const recent = JSON.parse((await api(get(`thing=gh-1&channel=temperature&since=${NOW - 60_000}&limit=3`))).body).messages;
    assert.deepEqual(recent.map((m: { v: number }) => m.v), [7, 8, 9]);
    const all = JSON.parse((await api(get("thing=gh-1&channel=temperature&since=0"))).body).messages;
    assert.equal(all.length, 10, "the 8-day-old message is past the 7 days");
    assert.equal(Number(db.queries.at(-1).ExpressionAttributeValues[":since"].N), NOW - 7 * 86_400_000);
  });

  it("refuses a missing or foreign token, a channel without history, bad parameters and other methods, reading nothing", async () => {
    const refused = async (event: FunctionUrlEvent, status: number, pattern: RegExp) => {
      const answer = await api(event);
      assert.equal(answer.statusCode, status, answer.body);
      assert.match(JSON.parse(answer.body).error, pattern);
    };
    await refused(get("thing=gh-1&channel=temperature", null), 401, /^dashboard token refused: no dashboard token \(send it in the x-snapfleet-token header\)$/);
    await refused(get("thing=gh-1&channel=temperature", mintDashboardToken(KEY, "other-app", 60_000, NOW)), 401, /dashboard token refused/);
    await refused(get("thing=gh-1&channel=temperature", mintDashboardToken(Buffer.alloc(32, 1), APP, 60_000, NOW)), 401, /signature is wrong/);
    await refused(get("thing=gh-1&channel=heater"), 400, /channel "heater" keeps no history; declare it with \{ history: \{ days: N \} \}/);
    await refused(get("thing=gh-1&channel=nope"), 400, /not a channel of the deployed app/);
    await refused(get("thing=../x&channel=temperature"), 400, /thing must be a device name/);
    await refused(get("thing=gh-1&channel=temperature&limit=999999"), 400, /limit must be an integer/);
    await refused({ ...get("thing=gh-1&channel=temperature"), requestContext: { http: { method: "POST" } } }, 405, /GET only/);
    assert.equal(db.queries.length, 0);
  });

  it("runs as bundled for Lambda, reading its channels from channels.json beside index.js", async function () {
    this.timeout(30_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-history-lambda-"));
    try {
      fs.writeFileSync(path.join(dir, "index.js"), await bundleLambda("historyApi"));
      fs.writeFileSync(path.join(dir, "channels.json"), JSON.stringify(CHANNELS));
      const module = (name: string, text: string) => {
        fs.mkdirSync(path.join(dir, "node_modules", "@aws-sdk", name), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "@aws-sdk", name, "index.js"), text);
      };
      module("client-dynamodb", `exports.QueryCommand = class { constructor(input) { this.input = input; } };
exports.DynamoDBClient = class { async send(c) { return { Items: [{ pk: { S: "gh-1/temperature" }, t: { N: "${NOW - 5}" }, id: { S: "b:1" }, v: { N: "20.5" } }] }; } };`);
      module("client-secrets-manager", `exports.GetSecretValueCommand = class { constructor(input) { this.input = input; } };
exports.SecretsManagerClient = class { async send() { return { SecretString: ${JSON.stringify(encodeDashboardKey(KEY))} }; } };`);
      Object.assign(process.env, { [HISTORY_API_ENV.app]: APP, [HISTORY_API_ENV.table]: "t", [HISTORY_API_ENV.keySecretArn]: "arn:key" });
      const lambda = require(path.join(dir, "index.js"));
      const answer = await lambda.handler(get(`thing=gh-1&channel=temperature&since=${Date.now() - 60_000}`, mintDashboardToken(KEY, APP, 60_000, Date.now())));
      assert.equal(answer.statusCode, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body).messages, [{ id: "b:1", t: NOW - 5, v: 20.5 }]);
    } finally {
      for (const name of Object.values(HISTORY_API_ENV)) delete process.env[name];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
