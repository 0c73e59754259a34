/** The OtaJob provider the way Pulumi runs it: serialized into text (as pulumi.dynamic.Resource
 * does), loaded with require-from-string (as Pulumi's dynamic-provider host does) in a fresh
 * `node` whose working directory is an empty folder (a consumer project without
 * @aws-sdk/client-iot of its own), calling a fake AWS IoT (and STS) on 127.0.0.1 through the
 * endpoint overrides of the FeatureApp's AWS settings. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { IotConnection } from "./iotConnection";
import { otaJobProvider } from "./otaJob";
import type { OtaJobProps } from "./otaJobRequests";

interface Call {
  method: string;
  path: string;
  service: string;
  region: string;
  accessKeyId: string;
  sessionToken?: string;
  body: string;
}

/** AWS IoT's REST API for jobs and STS's query API, as much as the provider uses, recording calls. */
class FakeAws {
  readonly calls: Call[] = [];
  readonly jobs = new Map<string, { status: string; document: string }>();
  private server = http.createServer((req, res) => this.handle(req, res));
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
  summary(): string[] {
    return this.calls.map((c) => `${c.service} ${c.method} ${c.path} as ${c.accessKeyId} in ${c.region}${c.sessionToken ? " with session token" : ""}`);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      // SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20261130/eu-west-1/iot/aws4_request, ..."
      const credential = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization)) ?? [];
      const url = new URL(req.url!, this.url);
      const call: Call = {
        method: req.method!,
        path: url.pathname + url.search,
        service: credential[3] ?? "unsigned",
        region: credential[2] ?? "?",
        accessKeyId: credential[1] ?? "?",
        sessionToken: req.headers["x-amz-security-token"] as string | undefined,
        body,
      };
      this.calls.push(call);
      const json = (status: number, value: object, errorType?: string) => {
        res.writeHead(status, { "content-type": "application/json", ...(errorType ? { "x-amzn-errortype": errorType } : {}) });
        res.end(JSON.stringify(value));
      };
      if (call.service === "sts") {
        const form = new URLSearchParams(body);
        assert.equal(form.get("Action"), "AssumeRole");
        res.writeHead(200, { "content-type": "text/xml" });
        return res.end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
            `<AccessKeyId>ASIAASSUMED${this.calls.filter((c) => c.service === "sts").length}</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>` +
            `<SessionToken>assumed-session-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
            `<AssumedRoleUser><Arn>${form.get("RoleArn")}/${form.get("RoleSessionName")}</Arn><AssumedRoleId>AROA:${form.get("RoleSessionName")}</AssumedRoleId></AssumedRoleUser>` +
            `</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
      }
      const match = /^\/jobs\/([^/]+)(\/cancel)?$/.exec(url.pathname);
      if (!match) return json(404, { message: `no route ${req.method} ${url.pathname}` }, "ResourceNotFoundException");
      const [, jobId, cancel] = match;
      const job = this.jobs.get(jobId);
      const arn = `arn:aws:iot:eu-west-1:123456789012:job/${jobId}`;
      if (req.method === "PUT" && cancel) {
        if (!job) return json(404, { message: "no such job" }, "ResourceNotFoundException");
        job.status = "CANCELED";
        return json(200, { jobArn: arn, jobId });
      }
      if (req.method === "PUT") {
        if (job) return json(409, { message: `job ${jobId} already exists`, resourceId: jobId, resourceArn: arn }, "ResourceAlreadyExistsException");
        this.jobs.set(jobId, { status: "IN_PROGRESS", document: JSON.parse(body).document });
        return json(200, { jobArn: arn, jobId });
      }
      if (!job) return json(404, { message: "no such job" }, "ResourceNotFoundException");
      if (req.method === "GET") return json(200, { job: { jobId, jobArn: arn, status: job.status } });
      if (req.method === "PATCH") return json(200, {});
      if (req.method === "DELETE") {
        this.jobs.delete(jobId);
        res.writeHead(200);
        return res.end();
      }
      return json(400, { message: "unexpected" }, "InvalidRequestException");
    });
  }
}

const DOCUMENT = (version: string) =>
  JSON.stringify({ operation: "snapfleet.install", app: "tank", version: version.repeat(64), sha256: "b".repeat(64), size: 10, url: "${aws:iot:s3-presigned-url-v2:https://s3.eu-west-1.amazonaws.com/b/k}", engine: "e" });

function props(connection: IotConnection, version: string): OtaJobProps {
  return {
    app: "tank",
    jobId: `tank-${version.repeat(16)}`,
    region: "eu-west-1",
    thingGroupArn: "arn:aws:iot:eu-west-1:123456789012:thinggroup/tank",
    document: DOCUMENT(version),
    presignedUrlRoleArn: "arn:aws:iam::123456789012:role/presign",
    presignedUrlExpirySeconds: 3600,
    maximumPerMinute: 50,
    abortFailurePercent: 20,
    minExecutedForAbort: 10,
    inProgressTimeoutMinutes: 60,
    connection,
  };
}

/** create(v1) → update(rollout rate: UpdateJob) → update(v2: a new job that supersedes v1) →
 * delete, in a fresh node process. */
const RUNNER = `
const fs = require("node:fs");
const requireFromString = require(process.argv[2]);
const provider = requireFromString(fs.readFileSync("provider.js", "utf8")).handler();
const { first, second } = JSON.parse(fs.readFileSync("inputs.json", "utf8"));
(async () => {
  const created = await provider.create(first);
  const tuned = await provider.update(created.id, created.outs, { ...first, maximumPerMinute: 200 });
  const updated = await provider.update(created.id, tuned.outs, second);
  await provider.delete(created.id, updated.outs);
  console.log(JSON.stringify({ id: created.id, createdArn: created.outs.jobArn, updatedArn: updated.outs.jobArn }));
})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
`;

describe("OtaJob provider serialized and run as Pulumi runs it (fresh node, unrelated folder, fake AWS on 127.0.0.1)", function () {
  this.timeout(60_000);
  const fake = new FakeAws();
  let dir: string;
  let providerText: string;

  before(async () => {
    await fake.start();
    // The same serialization pulumi.dynamic.Resource applies to its provider.
    const provider = otaJobProvider();
    providerText = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
  });
  after(() => fake.stop());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-consumer-project-"));
    fake.calls.length = 0;
    fake.jobs.clear();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(connection: IotConnection): Promise<{ id: string; createdArn: string; updatedArn: string }> {
    fs.writeFileSync(path.join(dir, "provider.js"), providerText);
    fs.writeFileSync(path.join(dir, "inputs.json"), JSON.stringify({ first: props(connection, "a"), second: props(connection, "c") }));
    fs.writeFileSync(path.join(dir, "runner.cjs"), RUNNER);
    // Nothing to resolve from here: the consumer's folder has no node_modules, nor has any parent.
    assert.throws(() => require.resolve("@aws-sdk/client-iot", { paths: [dir] }), /Cannot find module/);
    const env = { PATH: process.env.PATH!, HOME: dir, AWS_EC2_METADATA_DISABLED: "true" };
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["runner.cjs", require.resolve("require-from-string")], { cwd: dir, env, timeout: 30_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    return JSON.parse(stdout);
  }

  it("creates, supersedes and deletes the job with the FeatureApp's region and credentials", async () => {
    const result = await run({ region: "eu-west-1", accessKeyId: "AKIDFROMSETTINGS", secretAccessKey: "s3cret", iotEndpoint: fake.url });
    assert.deepEqual(result, { id: "tank-ota", createdArn: "arn:aws:iot:eu-west-1:123456789012:job/tank-aaaaaaaaaaaaaaaa", updatedArn: "arn:aws:iot:eu-west-1:123456789012:job/tank-cccccccccccccccc" });
    assert.deepEqual(fake.summary(), [
      "iot PUT /jobs/tank-aaaaaaaaaaaaaaaa as AKIDFROMSETTINGS in eu-west-1",
      "iot PATCH /jobs/tank-aaaaaaaaaaaaaaaa as AKIDFROMSETTINGS in eu-west-1",
      "iot PUT /jobs/tank-cccccccccccccccc as AKIDFROMSETTINGS in eu-west-1",
      "iot PUT /jobs/tank-aaaaaaaaaaaaaaaa/cancel?force=false as AKIDFROMSETTINGS in eu-west-1",
      "iot PUT /jobs/tank-cccccccccccccccc/cancel?force=false as AKIDFROMSETTINGS in eu-west-1",
      "iot DELETE /jobs/tank-cccccccccccccccc?force=false as AKIDFROMSETTINGS in eu-west-1",
    ]);
    const created = JSON.parse(fake.calls[0].body);
    assert.deepEqual([created.targetSelection, created.targets, created.presignedUrlConfig.roleArn], ["CONTINUOUS", ["arn:aws:iot:eu-west-1:123456789012:thinggroup/tank"], "arn:aws:iam::123456789012:role/presign"]);
    assert.deepEqual(JSON.parse(fake.calls[1].body).jobExecutionsRolloutConfig, { maximumPerMinute: 200 });
    assert.equal(JSON.parse(fake.calls[3].body).reasonCode, "SUPERSEDED");
  });

  it("assumes the role of the AWS settings first (with its external id), then calls IoT as that role", async () => {
    fake.jobs.set("tank-aaaaaaaaaaaaaaaa", { status: "IN_PROGRESS", document: DOCUMENT("a") });
    const connection: IotConnection = {
      region: "eu-west-1",
      accessKeyId: "AKIDBASE",
      secretAccessKey: "base-secret",
      assumeRoles: [{ roleArn: "arn:aws:iam::111122223333:role/deployer", externalId: "ext-42", sessionName: "ci" }],
      iotEndpoint: fake.url,
      stsEndpoint: fake.url,
    };
    await run(connection);
    const summary = fake.summary();
    assert.equal(summary[0], "sts POST / as AKIDBASE in eu-west-1");
    const assume = new URLSearchParams(fake.calls[0].body);
    assert.deepEqual([assume.get("RoleArn"), assume.get("ExternalId"), assume.get("RoleSessionName")], ["arn:aws:iam::111122223333:role/deployer", "ext-42", "ci"]);
    // The existing job is adopted (state lost after CreateJob), all as the assumed role.
    assert.deepEqual(
      summary.filter((s) => s.startsWith("iot")).map((s) => s.replace(/ as .*/, "")),
      ["iot PUT /jobs/tank-aaaaaaaaaaaaaaaa", "iot GET /jobs/tank-aaaaaaaaaaaaaaaa", "iot PATCH /jobs/tank-aaaaaaaaaaaaaaaa", "iot PUT /jobs/tank-cccccccccccccccc", "iot PUT /jobs/tank-aaaaaaaaaaaaaaaa/cancel?force=false", "iot PUT /jobs/tank-cccccccccccccccc/cancel?force=false", "iot DELETE /jobs/tank-cccccccccccccccc?force=false"],
    );
    for (const call of fake.calls.filter((c) => c.service === "iot")) {
      assert.match(call.accessKeyId, /^ASIAASSUMED\d$/);
      assert.equal(call.sessionToken, "assumed-session-token");
    }
  });
});
