/** The jobs API's answers (the local dashboard server and the AWS Lambda share them): paths and
 * methods, the token, cancel for operators only, every parameter at its edges, and the jobs
 * service's own refusals (unknown job 404, ended job 409). */
import assert from "node:assert/strict";
import type { TokenCheck } from "../contracts/dashboardToken";
import { JOB_CANCEL_PATH, JOB_EXECUTIONS_PATH, JOBS_API_PATH, MAX_EXECUTIONS_PAGE, type JobSummary } from "../contracts/jobsApi";
import { answerJobsRequest, DEFAULT_EXECUTIONS_PAGE, isJobsApiPath, JobAlreadyEnded, JobNotFound, type JobsApiRequest, type JobsSource } from "./jobsApiRequest";

const APP = "tank";
const JOB = "tank-v2-abc";
const summary = (jobId: string, status = "IN_PROGRESS"): JobSummary => ({ jobId, status, createdAt: 1, counts: { QUEUED: 1 } });

function source(role: "viewer" | "operator", fail?: Error): JobsSource & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const answer = <T>(call: unknown[], value: T): Promise<T> => {
    calls.push(call);
    return fail ? Promise.reject(fail) : Promise.resolve(value);
  };
  return {
    calls,
    verifyToken: (token): TokenCheck => (token === "t" ? { valid: true, expiresAt: 0, role } : { valid: false, reason: "expired" }),
    listJobs: () => answer(["listJobs"], [summary(JOB)]),
    jobExecutions: (jobId, status, after, limit) => answer(["jobExecutions", jobId, status, after, limit], { executions: [], next: "sn-9" }),
    thingExecutions: (thing) => answer(["thingExecutions", thing], []),
    cancelJob: (jobId) => answer(["cancelJob", jobId], summary(jobId, "CANCELED")),
  };
}

const request = (method: string, path: string, query: Record<string, string> = {}): JobsApiRequest => ({ method, path, token: "t", query: new URLSearchParams(query) });
async function answer(r: JobsApiRequest, s: JobsSource) {
  const response = await answerJobsRequest(r, s, APP);
  return { ...response, body: JSON.parse(response.body) as Record<string, unknown> };
}
/** A 400 that reads nothing from the jobs service. */
async function refused(query: Record<string, string>, path = JOB_EXECUTIONS_PATH, method = "GET") {
  const s = source("operator");
  const response = await answer(request(method, path, query), s);
  assert.equal(response.status, 400, JSON.stringify(query));
  assert.deepEqual(s.calls, []);
  return String(response.body.error);
}

describe("the jobs API's answers", () => {
  it("knows its three paths and nothing else; an unknown one is 404", async () => {
    for (const path of [JOBS_API_PATH, JOB_EXECUTIONS_PATH, JOB_CANCEL_PATH]) assert.ok(isJobsApiPath(path), path);
    for (const path of ["api/jobs/", "api/jobs/list", `/${JOBS_API_PATH}`]) assert.ok(!isJobsApiPath(path), path);
    assert.deepEqual(await answer(request("GET", "api/jobs/all"), source("operator")), { status: 404, body: { error: "no such jobs API path: /api/jobs/all" } });
  });

  it("lists the app's jobs for a viewer (GET and HEAD)", async () => {
    for (const method of ["GET", "HEAD"]) {
      assert.deepEqual(await answer(request(method, JOBS_API_PATH), source("viewer")), { status: 200, body: { jobs: [summary(JOB)] } });
    }
  });

  it("the wrong method is 405 with the methods the path takes, before the token is looked at", async () => {
    const s = source("operator");
    assert.deepEqual(await answer({ ...request("POST", JOBS_API_PATH), token: "wrong" }, s), { status: 405, allow: "GET, HEAD", body: { error: "/api/jobs takes GET, not POST" } });
    assert.deepEqual(await answer(request("DELETE", JOB_EXECUTIONS_PATH), s), { status: 405, allow: "GET, HEAD", body: { error: "/api/jobs/executions takes GET, not DELETE" } });
    for (const method of ["GET", "HEAD"]) {
      assert.deepEqual(await answer(request(method, JOB_CANCEL_PATH, { job: JOB }), s), { status: 405, allow: "POST", body: { error: `/api/jobs/cancel takes POST (it changes the job), not ${method}` } });
    }
    assert.deepEqual(s.calls, []);
  });

  it("a refused token is 401 with the reason, on every path, and nothing is read or cancelled", async () => {
    for (const [method, path] of [["GET", JOBS_API_PATH], ["GET", JOB_EXECUTIONS_PATH], ["POST", JOB_CANCEL_PATH]]) {
      for (const token of ["wrong", undefined]) {
        const s = source("operator");
        assert.deepEqual(await answer({ ...request(method, path, { job: JOB }), token }, s), { status: 401, body: { error: "dashboard token refused: expired" } });
        assert.deepEqual(s.calls, []);
      }
    }
  });

  it("an operator cancels one of the app's jobs; a viewer's cancel is 403 with how to get an operator link, and nothing is cancelled", async () => {
    const operator = source("operator");
    assert.deepEqual(await answer(request("POST", JOB_CANCEL_PATH, { job: JOB }), operator), { status: 200, body: { job: summary(JOB, "CANCELED") } });
    assert.deepEqual(operator.calls, [["cancelJob", JOB]]);
    const viewer = source("viewer");
    const response = await answer(request("POST", JOB_CANCEL_PATH, { job: JOB }), viewer);
    assert.equal(response.status, 403);
    assert.match(String(response.body.error), /viewer link: to cancel an OTA job you need an operator link/);
    assert.deepEqual(viewer.calls, []);
  });

  it("job: only an id of this app's jobs in AWS's character set, up to 64 characters; anything else is 400 for cancel and executions", async () => {
    for (const job of [`${APP}-${"a".repeat(64 - APP.length - 1)}`, `${APP}-x_Y-9`]) {
      const s = source("operator");
      assert.equal((await answer(request("POST", JOB_CANCEL_PATH, { job }), s)).status, 200, job);
    }
    for (const job of ["", "other-v2", `${APP}v2`, `${APP}-${"a".repeat(64 - APP.length)}`, `${APP}-a b`, `${APP}-a/b`, `x${APP}-a`]) {
      const words = `job must be the id of one of ${APP}'s jobs (${APP}-…), got ${JSON.stringify(job.slice(0, 80))}`;
      assert.equal(await refused({ job }, JOB_CANCEL_PATH, "POST"), words, job);
      assert.equal(await refused({ job }), words, job);
    }
    assert.equal(await refused({}, JOB_CANCEL_PATH, "POST"), `job must be the id of one of ${APP}'s jobs (${APP}-…), got ""`);
    assert.equal(await refused({ job: `${APP}-${"z".repeat(100)}` }), `job must be the id of one of ${APP}'s jobs (${APP}-…), got ${JSON.stringify(`${APP}-${"z".repeat(100)}`.slice(0, 80))}`);
  });

  it("executions of a job: the default page, a status filter, a limit from 1 to the maximum and a cursor, passed on as given", async () => {
    const cases: [Record<string, string>, unknown[]][] = [
      [{ job: JOB }, ["jobExecutions", JOB, undefined, undefined, DEFAULT_EXECUTIONS_PAGE]],
      [{ job: JOB, status: "FAILED", limit: "1" }, ["jobExecutions", JOB, "FAILED", undefined, 1]],
      [{ job: JOB, limit: String(MAX_EXECUTIONS_PAGE), after: "sn-1" }, ["jobExecutions", JOB, undefined, "sn-1", MAX_EXECUTIONS_PAGE]],
      [{ job: JOB, after: "AbC+/=_.:-9".repeat(10) }, ["jobExecutions", JOB, undefined, "AbC+/=_.:-9".repeat(10), DEFAULT_EXECUTIONS_PAGE]],
    ];
    for (const [query, call] of cases) {
      const s = source("viewer");
      assert.deepEqual(await answer(request("GET", JOB_EXECUTIONS_PATH, query), s), { status: 200, body: { executions: [], next: "sn-9" } });
      assert.deepEqual(s.calls, [call]);
    }
  });

  it("a status that isn't an execution status, a limit outside 1 to the maximum or not whole, a cursor with other characters or too long: 400", async () => {
    assert.equal(await refused({ job: JOB, status: "DONE" }), 'status must be an execution status (QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, ...), got "DONE"');
    assert.equal(await refused({ job: JOB, status: "x".repeat(50) }), `status must be an execution status (QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, ...), got ${JSON.stringify("x".repeat(40))}`);
    assert.equal(await refused({ job: JOB, status: "failed" }), 'status must be an execution status (QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, ...), got "failed"');
    for (const limit of ["0", "-1", String(MAX_EXECUTIONS_PAGE + 1), "2.5", "many", ""]) {
      assert.equal(await refused({ job: JOB, limit }), `limit must be an integer from 1 to ${MAX_EXECUTIONS_PAGE}, got ${JSON.stringify(limit)}`, limit);
    }
    for (const after of ["", "a b", "a\nb", "é", "x".repeat(4097)]) {
      assert.equal(await refused({ job: JOB, after }), 'after must be the "next" cursor of the previous page', JSON.stringify(after.slice(0, 10)));
    }
    const s = source("viewer");
    assert.equal((await answer(request("GET", JOB_EXECUTIONS_PATH, { job: JOB, after: "x".repeat(4096) }), s)).status, 200);
  });

  it("executions on one thing (a device's OTA history): a thing name, checked like every thing name", async () => {
    const s = source("viewer");
    assert.deepEqual(await answer(request("GET", JOB_EXECUTIONS_PATH, { thing: "sn-1", job: "ignored" }), s), { status: 200, body: { executions: [] } });
    assert.deepEqual(s.calls, [["thingExecutions", "sn-1"]]);
    assert.match(await refused({ thing: "SN 1" }), /^thing name "SN 1" is invalid/);
  });

  it("the service's refusals: an unknown job is 404, one already ended is 409, any other failure is 500, with their messages", async () => {
    assert.deepEqual(await answer(request("POST", JOB_CANCEL_PATH, { job: JOB }), source("operator", new JobNotFound(`no job ${JOB}`))), { status: 404, body: { error: `no job ${JOB}` } });
    assert.deepEqual(await answer(request("POST", JOB_CANCEL_PATH, { job: JOB }), source("operator", new JobAlreadyEnded(`${JOB} is COMPLETED`))), { status: 409, body: { error: `${JOB} is COMPLETED` } });
    assert.deepEqual(await answer(request("GET", JOBS_API_PATH), source("viewer", new Error("throttled"))), { status: 500, body: { error: "jobs could not be read: throttled" } });
    assert.deepEqual(await answer(request("GET", JOB_EXECUTIONS_PATH, { job: JOB }), source("viewer", new JobNotFound("gone"))), { status: 404, body: { error: "gone" } });
  });
});
