import assert from "node:assert/strict";
import type { CancelJobCommandInput, CreateJobCommandInput, DeleteJobCommandInput, UpdateJobCommandInput } from "@aws-sdk/client-iot";
import { otaJobProvider, type IotJobsClient } from "./otaJob";
import type { OtaJobProps, OtaJobState } from "./otaJobRequests";
import { parseOtaJobDocument } from "../core/contracts/jobDocument";

/** Records every command (by SDK class name) and answers from a script. */
class FakeIotClient implements IotJobsClient {
  readonly sent: { command: string; input: any }[] = [];
  readonly regions: string[] = [];
  constructor(private readonly answer: (command: string, input: any) => any = () => ({})) {}
  async send(command: { input: object }): Promise<any> {
    const name = command.constructor.name;
    this.sent.push({ command: name, input: command.input });
    return this.answer(name, command.input);
  }
  commands(): string[] {
    return this.sent.map((s) => s.command);
  }
}

function awsError(name: string): Error {
  const e = new Error(`${name}: mock`);
  e.name = name;
  return e;
}

const DOCUMENT = JSON.stringify({
  operation: "snapfleet.install",
  app: "tank",
  version: "a".repeat(64),
  sha256: "b".repeat(64),
  size: 4321,
  url: "${aws:iot:s3-presigned-url:https://s3.amazonaws.com/fw-bucket/tank/" + "b".repeat(64) + ".sfpk}",
  engine: "microvium-8.0.0/bytecode-8",
});

function props(overrides: Partial<OtaJobProps> = {}): OtaJobProps {
  return {
    app: "tank",
    jobId: "tank-aaaaaaaaaaaaaaaa",
    region: "eu-west-1",
    thingGroupArn: "arn:aws:iot:eu-west-1:123456789012:thinggroup/tank",
    document: DOCUMENT,
    presignedUrlRoleArn: "arn:aws:iam::123456789012:role/presign",
    presignedUrlExpirySeconds: 3600,
    maximumPerMinute: 50,
    abortFailurePercent: 20,
    minExecutedForAbort: 10,
    inProgressTimeoutMinutes: 60,
    ...overrides,
  };
}

function providerWith(client: FakeIotClient) {
  const provider = otaJobProvider((connection) => {
    client.regions.push(connection.region);
    return client;
  });
  return provider as Required<typeof provider>;
}

describe("OtaJob provider (fake IoT client)", () => {
  it("create sends CreateJob for the thing group: continuous, with rollout, abort, timeout and presigned URL config", async () => {
    const client = new FakeIotClient((command, input) => (command === "CreateJobCommand" ? { jobArn: `arn:job/${input.jobId}`, jobId: input.jobId } : {}));
    const result = await providerWith(client).create(props());
    assert.deepEqual(client.commands(), ["CreateJobCommand"]);
    assert.deepEqual(client.regions, ["eu-west-1"]);
    const input: CreateJobCommandInput = client.sent[0].input;
    assert.equal(input.jobId, "tank-aaaaaaaaaaaaaaaa");
    assert.deepEqual(input.targets, ["arn:aws:iot:eu-west-1:123456789012:thinggroup/tank"]);
    assert.equal(input.targetSelection, "CONTINUOUS");
    assert.deepEqual(input.presignedUrlConfig, { roleArn: "arn:aws:iam::123456789012:role/presign", expiresInSec: 3600 });
    assert.deepEqual(input.jobExecutionsRolloutConfig, { maximumPerMinute: 50 });
    assert.deepEqual(input.abortConfig, { criteriaList: [{ failureType: "ALL", action: "CANCEL", thresholdPercentage: 20, minNumberOfExecutedThings: 10 }] });
    assert.deepEqual(input.timeoutConfig, { inProgressTimeoutInMinutes: 60 });
    assert.equal(parseOtaJobDocument(JSON.parse(input.document!)).size, 4321);
    assert.equal(result.id, "tank-ota");
    assert.equal((result.outs as OtaJobState).jobArn, "arn:job/tank-aaaaaaaaaaaaaaaa");
  });

  it("a changed rollout setting updates the job in place; nothing is created or cancelled", async () => {
    const client = new FakeIotClient();
    const olds: OtaJobState = { ...props(), jobArn: "arn:job/old" };
    const news = props({ maximumPerMinute: 200 });
    const diff = await providerWith(client).diff("tank-ota", olds, news);
    assert.deepEqual([diff.changes, diff.replaces], [true, []]);
    const result = await providerWith(client).update("tank-ota", olds, news);
    assert.deepEqual(client.commands(), ["UpdateJobCommand"]);
    const input: UpdateJobCommandInput = client.sent[0].input;
    assert.deepEqual([input.jobId, input.jobExecutionsRolloutConfig], ["tank-aaaaaaaaaaaaaaaa", { maximumPerMinute: 200 }]);
    assert.equal(result.outs!.jobArn, "arn:job/old");
  });

  it("new device code (new job id) creates exactly one new job, then cancels the superseded one", async () => {
    const client = new FakeIotClient((command, input) => (command === "CreateJobCommand" ? { jobArn: `arn:job/${input.jobId}` } : {}));
    const olds: OtaJobState = { ...props(), jobArn: "arn:job/tank-aaaaaaaaaaaaaaaa" };
    const news = props({ jobId: "tank-cccccccccccccccc", document: DOCUMENT.replace(/"a{64}"/, `"${"c".repeat(64)}"`) });
    const result = await providerWith(client).update("tank-ota", olds, news);
    assert.deepEqual(client.commands(), ["CreateJobCommand", "CancelJobCommand"]);
    assert.equal(client.sent[0].input.jobId, "tank-cccccccccccccccc");
    const cancel: CancelJobCommandInput = client.sent[1].input;
    assert.deepEqual([cancel.jobId, cancel.force, cancel.reasonCode], ["tank-aaaaaaaaaaaaaaaa", false, "SUPERSEDED"]);
    assert.match(cancel.comment!, /superseded by tank-cccccccccccccccc/);
    assert.equal(result.outs!.jobArn, "arn:job/tank-cccccccccccccccc");
  });

  it("unchanged inputs are no change", async () => {
    const diff = await providerWith(new FakeIotClient()).diff("tank-ota", { ...props(), jobArn: "x" }, props());
    assert.equal(diff.changes, false);
  });

  it("if creating the new job fails, the old one is not cancelled", async () => {
    const client = new FakeIotClient((command) => {
      if (command === "CreateJobCommand") throw awsError("LimitExceededException");
      return {};
    });
    await assert.rejects(providerWith(client).update("tank-ota", { ...props(), jobArn: "x" }, props({ jobId: "tank-dddddddddddddddd" })), /LimitExceeded/);
    assert.deepEqual(client.commands(), ["CreateJobCommand"]);
  });

  it("a new document under the same job id is refused with the command to run", async () => {
    const client = new FakeIotClient();
    await assert.rejects(
      providerWith(client).update("tank-ota", { ...props(), jobArn: "x" }, props({ thingGroupArn: "arn:aws:iot:eu-west-1:123456789012:thinggroup/other" })),
      /aws iot delete-job --job-id tank-aaaaaaaaaaaaaaaa --force/,
    );
    assert.deepEqual(client.commands(), []);
  });

  it("delete cancels, then deletes the job; a job already finished or gone is fine", async () => {
    const client = new FakeIotClient((command) => {
      if (command === "CancelJobCommand") throw awsError("InvalidStateTransitionException");
      return {};
    });
    await providerWith(client).delete("tank-ota", { ...props(), jobArn: "x" });
    assert.deepEqual(client.commands(), ["CancelJobCommand", "DeleteJobCommand"]);
    const del: DeleteJobCommandInput = client.sent[1].input;
    assert.deepEqual(del, { jobId: "tank-aaaaaaaaaaaaaaaa", force: false });
  });

  it("delete passes on errors other than 'already done' (e.g. missing permissions)", async () => {
    const client = new FakeIotClient((command) => {
      if (command === "CancelJobCommand") throw awsError("UnauthorizedException");
      return {};
    });
    await assert.rejects(providerWith(client).delete("tank-ota", { ...props(), jobArn: "x" }), /UnauthorizedException/);
  });

  it("create adopts a job with the same id that is still rolling out (state lost after CreateJob)", async () => {
    const client = new FakeIotClient((command) => {
      if (command === "CreateJobCommand") throw awsError("ResourceAlreadyExistsException");
      if (command === "DescribeJobCommand") return { job: { status: "IN_PROGRESS", jobArn: "arn:job/existing" } };
      return {};
    });
    const result = await providerWith(client).create(props());
    assert.deepEqual(client.commands(), ["CreateJobCommand", "DescribeJobCommand"]);
    assert.equal((result.outs as OtaJobState).jobArn, "arn:job/existing");
  });

  it("create refuses to reuse the id of a cancelled job (device code reverted) and says what to do", async () => {
    const client = new FakeIotClient((command) => {
      if (command === "CreateJobCommand") throw awsError("ResourceAlreadyExistsException");
      if (command === "DescribeJobCommand") return { job: { status: "CANCELED" } };
      return {};
    });
    await assert.rejects(providerWith(client).create(props()), /status CANCELED.*aws iot delete-job --job-id tank-aaaaaaaaaaaaaaaa --force/s);
  });

  it("check refuses invalid job ids and oversized documents", async () => {
    const provider = providerWith(new FakeIotClient());
    const bad = await provider.check(props(), props({ jobId: "has spaces", document: "x".repeat(32769) }));
    assert.deepEqual(bad.failures!.map((f) => f.property), ["jobId", "document"]);
    const good = await provider.check(props(), props());
    assert.deepEqual(good.failures, []);
  });
});
