/** examples/ci/deploy-fleet.yml against the deploy role trust policy docs/aws-iot.md documents:
 * the subject GitHub puts in the job's OIDC token must be one the trust policy allows, and the
 * Node version must be one the AWS SDK supports. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { matchesPattern } from "../core/policy";

const ROOT = path.join(__dirname, "..");
const WORKFLOW = path.join(ROOT, "examples", "ci", "deploy-fleet.yml");
const DOC = path.join(ROOT, "docs", "aws-iot.md");
// js-yaml comes with @pulumi/pulumi; a test-only use.
const yaml = require("js-yaml") as { load(text: string): any };

interface TrustPolicy {
  Statement: { Effect: string; Action: string; Principal: { Federated: string }; Condition: Record<string, Record<string, string | string[]>> }[];
}

/** The `sub` claim of a job's token (https://docs.github.com/en/actions/reference/security/oidc):
 * the environment when the job has one, else the ref of the triggering push. */
function oidcSubject(repo: string, job: { environment?: string | { name: string } }, ref: string): string {
  const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
  return environment ? `repo:${repo}:environment:${environment}` : `repo:${repo}:ref:${ref}`;
}

/** IAM's StringEquals / StringLike on the token's claims (StringLike: `*` and `?`). */
function trusts(policy: TrustPolicy, claims: Record<string, string>): boolean {
  return policy.Statement.some((s) => {
    if (s.Effect !== "Allow" || s.Action !== "sts:AssumeRoleWithWebIdentity") return false;
    return Object.entries(s.Condition).every(([operator, conditions]) =>
      Object.entries(conditions).every(([key, expected]) => {
        const values = ([] as string[]).concat(expected);
        const actual = claims[key.replace("token.actions.githubusercontent.com:", "")];
        if (operator === "StringEquals") return values.includes(actual);
        if (operator === "StringLike") return values.some((v) => matchesPattern(v, actual));
        throw new Error(`unsupported condition operator ${operator}`);
      }),
    );
  });
}

function documentedTrustPolicy(): TrustPolicy {
  const doc = fs.readFileSync(DOC, "utf8");
  const section = doc.split("## CI: the deploy role's trust policy")[1];
  assert.ok(section, "docs/aws-iot.md documents the deploy role's trust policy");
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(json, "the trust policy is a json block in that section");
  return JSON.parse(json.replace(/OWNER\/REPO/g, "acme/greenhouse").replace(/ACCOUNT_ID/g, "123456789012"));
}

describe("examples/ci/deploy-fleet.yml and the documented deploy role trust policy", () => {
  const workflow = yaml.load(fs.readFileSync(WORKFLOW, "utf8"));
  const job = workflow.jobs.deploy;

  it("the deploy job's OIDC subject is one the documented trust policy allows (push to main)", () => {
    assert.ok(workflow.permissions["id-token"] === "write", "the job may request an OIDC token");
    const claims = { sub: oidcSubject("acme/greenhouse", job, "refs/heads/main"), aud: "sts.amazonaws.com" };
    assert.ok(trusts(documentedTrustPolicy(), claims), `trust policy refuses ${JSON.stringify(claims)}`);
  });

  it("the documented policy refuses other repositories, and a branch-scoped policy would refuse this job", () => {
    const policy = documentedTrustPolicy();
    assert.ok(!trusts(policy, { sub: oidcSubject("evil/fork", job, "refs/heads/main"), aud: "sts.amazonaws.com" }));
    assert.ok(!trusts(policy, { sub: "repo:acme/greenhouse:ref:refs/heads/feature", aud: "sts.amazonaws.com" }), "a job outside the environment");
    const branchScoped: TrustPolicy = {
      Statement: [{ ...policy.Statement[0], Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/greenhouse:ref:refs/heads/main" } } }],
    };
    const refused = !trusts(branchScoped, { sub: oidcSubject("acme/greenhouse", job, "refs/heads/main"), aud: "sts.amazonaws.com" });
    assert.equal(refused, Boolean(job.environment), "the environment is what a branch-scoped policy refuses");
  });

  it("runs on a Node version the AWS SDK v3 keeps supporting (>= 22)", () => {
    const setupNode = job.steps.find((s: { uses?: string }) => s.uses?.startsWith("actions/setup-node"));
    assert.ok(Number(setupNode.with["node-version"]) >= 22, `node-version ${setupNode.with["node-version"]}`);
  });
});
