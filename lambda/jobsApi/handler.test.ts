import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeDashboardKey, mintDashboardToken } from "../../core/contracts/dashboardToken";
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import { decodeExecutionsPage, decodeJobsPage } from "../../core/contracts/jobsApi";
import { bundleLambda } from "../../components/authorizerBundle";
import { fakeIot, type FakeIot } from "./fakeIot";
import { createJobsApi, type JobsApiEvent } from "./handler";
import { JOBS_API_ENV } from "./index";
import { iotJobsSource } from "./iotJobsSource";

const APP = "grow-station";
const KEY = Buffer.alloc(32, 7);
const NOW = Date.UTC(2026, 0, 1);
const viewer = mintDashboardToken(KEY, APP, 60_000, NOW);
const operator = mintDashboardToken(KEY, APP, 60_000, NOW, "operator");

const request = (method: string, rawPath: string, query: string, token: string | null = viewer): JobsApiEvent => ({
  rawPath,
  rawQueryString: query,
  headers: token === null ? {} : { [FLEET_STATUS_TOKEN_HEADER]: token },
  requestContext: { http: { method } },
});

describe("jobs API Lambda (handler called directly, AWS IoT faked)", () => {
  let iot: FakeIot;
  let api: ReturnType<typeof createJobsApi>;
  let log: string[];

  beforeEach(() => {
    iot = fakeIot();
    log = [];
    const client = new iot.module.IoTClient({});
    api = createJobsApi({ app: APP, jobs: (verify) => iotJobsSource(iot.module, client, APP, verify), loadKey: async () => KEY, now: () => NOW, log: (l) => log.push(l) });
    const executions = (n: number, status: (i: number) => string) => new Map(Array.from({ length: n }, (_, i) => [`gh-${i}`, status(i)]));
    iot.jobs.set("grow-station-aaa", { jobId: "grow-station-aaa", status: "CANCELED", reasonCode: "SUPERSEDED", createdAt: NOW - 7200_000, executions: executions(3, () => "SUCCEEDED") });
    iot.jobs.set("grow-station-bbb", { jobId: "grow-station-bbb", status: "IN_PROGRESS", createdAt: NOW - 60_000, executions: executions(600, (i) => (i < 500 ? "SUCCEEDED" : i < 510 ? "FAILED" : "QUEUED")) });
    iot.jobs.set("other-app-ccc", { jobId: "other-app-ccc", status: "IN_PROGRESS", createdAt: NOW, executions: executions(2, () => "QUEUED") });
  });

  it("lists the app's jobs newest first with their counts by status (ListJobs + DescribeJob)", async () => {
    const answer = await api(request("GET", "/api/jobs", ""));
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(answer.headers["cache-control"], "no-store");
    const { jobs } = decodeJobsPage(JSON.parse(answer.body));
    assert.deepEqual(jobs, [
      { jobId: "grow-station-bbb", status: "IN_PROGRESS", createdAt: NOW - 60_000, counts: { QUEUED: 90, SUCCEEDED: 500, FAILED: 10 } },
      { jobId: "grow-station-aaa", status: "CANCELED", createdAt: NOW - 7200_000, reasonCode: "SUPERSEDED", counts: { SUCCEEDED: 3 } },
    ]);
    assert.ok(!iot.sent.some((s) => s.command === "DescribeJobCommand" && s.input.jobId === "other-app-ccc"), "another app's job is not described");
  });

  it("pages a job's executions by status with AWS's nextToken, and lists one device's history", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const answer = await api(request("GET", "/api/jobs/executions", `job=grow-station-bbb&status=SUCCEEDED&limit=200${after ? `&after=${encodeURIComponent(after)}` : ""}`));
      assert.equal(answer.statusCode, 200, answer.body);
      const page = decodeExecutionsPage(JSON.parse(answer.body));
      assert.ok(page.executions.every((e) => e.status === "SUCCEEDED" && e.jobId === "grow-station-bbb"));
      seen.push(...page.executions.map((e) => e.thing));
      after = page.next;
    } while (after);
    assert.equal(new Set(seen).size, 500);
    assert.ok(iot.sent.filter((s) => s.command === "ListJobExecutionsForJobCommand").every((s) => s.input.maxResults === 200 && s.input.status === "SUCCEEDED"));

    const history = decodeExecutionsPage(JSON.parse((await api(request("GET", "/api/jobs/executions", "thing=gh-1"))).body)).executions;
    assert.deepEqual(history.map((e) => [e.jobId, e.status]), [["grow-station-bbb", "SUCCEEDED"], ["grow-station-aaa", "SUCCEEDED"]]);
  });

  it("refuses a viewer's cancel with a clear message and never calls CancelJob; an operator's cancels the queued executions", async () => {
    const refused = await api(request("POST", "/api/jobs/cancel", "job=grow-station-bbb"));
    assert.equal(refused.statusCode, 403);
    assert.match(JSON.parse(refused.body).error, /viewer link: to cancel an OTA job you need an operator link \(the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator\)/);
    assert.ok(!iot.sent.some((s) => s.command === "CancelJobCommand"));
    assert.equal(iot.jobs.get("grow-station-bbb")!.status, "IN_PROGRESS");

    const done = await api(request("POST", "/api/jobs/cancel", "job=grow-station-bbb", operator));
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual(JSON.parse(done.body).job.counts, { SUCCEEDED: 500, FAILED: 10, CANCELED: 90 });
    assert.deepEqual(iot.sent.find((s) => s.command === "CancelJobCommand")!.input.reasonCode, "USER_CANCELED");
    assert.equal(iot.sent.find((s) => s.command === "CancelJobCommand")!.input.force, undefined, "devices already installing finish");
    assert.match(log.join("\n"), /api\/jobs\/cancel\?job=grow-station-bbb answered 200/);

    const again = await api(request("POST", "/api/jobs/cancel", "job=grow-station-bbb", operator));
    assert.equal(again.statusCode, 409);
    assert.match(JSON.parse(again.body).error, /can't be cancelled any more/);
  });

  it("refuses bad tokens, methods, jobs of other apps and malformed parameters, naming what is wrong", async () => {
    const status = async (event: JobsApiEvent) => (await api(event)).statusCode;
    assert.equal(await status(request("GET", "/api/jobs", "", null)), 401);
    assert.equal(await status(request("GET", "/api/jobs", "", mintDashboardToken(KEY, "other-app", 60_000, NOW))), 401);
    assert.equal(await status(request("GET", "/api/jobs", "", operator.replace("sfdash.operator.", "sfdash."))), 401);
    assert.equal(await status(request("GET", "/api/jobs/cancel", "job=grow-station-bbb", operator)), 405);
    assert.equal(await status(request("POST", "/api/jobs", "", operator)), 405);
    assert.equal(await status(request("GET", "/api/jobs/nope", "")), 404);
    const body = async (event: JobsApiEvent) => JSON.parse((await api(event)).body).error as string;
    assert.match(await body(request("POST", "/api/jobs/cancel", "job=other-app-ccc", operator)), /job must be the id of one of grow-station's jobs/);
    assert.match(await body(request("GET", "/api/jobs/executions", "job=grow-station-bbb&status=DONE")), /status must be an execution status/);
    assert.match(await body(request("GET", "/api/jobs/executions", "job=grow-station-bbb&limit=251")), /limit must be an integer from 1 to 250/);
    assert.match(await body(request("GET", "/api/jobs/executions", "thing=Bad_Name")), /thing name "Bad_Name" is invalid/);
    assert.equal(await status(request("GET", "/api/jobs/executions", "job=grow-station-zzz")), 404);
    assert.equal(iot.jobs.get("other-app-ccc")!.status, "IN_PROGRESS");
  });

  it("bundles into a self-contained Lambda file with a `handler` entry point", async function () {
    this.timeout(30_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-jobs-api-"));
    const saved = { ...process.env };
    try {
      fs.writeFileSync(path.join(dir, "index.js"), await bundleLambda("jobsApi"));
      const module = (name: string, text: string) => {
        fs.mkdirSync(path.join(dir, "node_modules", "@aws-sdk", name), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "@aws-sdk", name, "index.js"), text);
      };
      fs.writeFileSync(
        path.join(dir, "fake.js"),
        `const { fakeIot } = require(${JSON.stringify(require.resolve("./fakeIot"))}); const iot = fakeIot(); iot.jobs.set("grow-station-x", { jobId: "grow-station-x", status: "IN_PROGRESS", createdAt: 1, executions: new Map([["gh-1", "QUEUED"]]) }); module.exports = iot;`,
      );
      module("client-iot", `module.exports = require(${JSON.stringify(path.join(dir, "fake.js"))}).module;`);
      module(
        "client-secrets-manager",
        `exports.GetSecretValueCommand = class { constructor(input) { this.input = input; } };
exports.SecretsManagerClient = class { async send() { return { SecretString: ${JSON.stringify(encodeDashboardKey(KEY))} }; } };`,
      );
      Object.assign(process.env, { [JOBS_API_ENV.app]: APP, [JOBS_API_ENV.keySecretArn]: "arn:aws:secretsmanager:eu-west-1:1:secret:k" });
      const lambda = require(path.join(dir, "index.js"));
      const answer = await lambda.handler(request("GET", "/api/jobs", "", mintDashboardToken(KEY, APP, 60_000)));
      assert.equal(answer.statusCode, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body).jobs.map((j: { jobId: string }) => j.jobId), ["grow-station-x"]);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
