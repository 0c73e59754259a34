import assert from "node:assert/strict";
import { seeded } from "../../test/support/soak";
import { compilePattern, matchesPattern } from "./match";
import { CompiledPolicies, evaluatePolicies, type AuthorizationContext, type NamedPolicy, type PolicyAction, type PolicyDocument, type PolicyStatement } from "./index";

const ACTIONS: PolicyAction[] = ["iot:Connect", "iot:Publish", "iot:RetainPublish", "iot:Subscribe", "iot:Receive"];
const PREFIX = "arn:aws:iot:eu-west-1:123456789012:";

/** Pieces patterns and resources are built from: wildcards, MQTT's `+`/`#` (literal in policies),
 * variables, the IAM literal escapes, non-ASCII and astral characters (surrogate pairs). */
const PATTERN_PIECES = ["*", "?", "/", "+", "#", "a", "b", "sf", "up", "${iot:ClientId}", "${iot:Connection.Thing.ThingName}", "${*}", "${?}", "${unknown}", "é", "😀", "topic/", "topicfilter/"];
const VALUE_PIECES = ["/", "+", "#", "*", "?", "a", "b", "sf", "up", "dev-1", "é", "😀", "\uD83D", "topic/", "topicfilter/"];

function generator(seed: number) {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const upTo = (n: number) => Math.floor(random() * (n + 1));
  const string = (pieces: readonly string[], max: number) => Array.from({ length: upTo(max) }, () => pick(pieces)).join("");
  const statement = (): PolicyStatement => {
    const s: PolicyStatement = {
      Effect: random() < 0.25 ? "Deny" : "Allow",
      Action: Array.from({ length: 1 + upTo(2) }, () => pick([...ACTIONS, "iot:*", "IOT:publish", "iot:*Publish", "iot:?eceive", "*"])),
      Resource: Array.from({ length: upTo(3) }, () => PREFIX + string(PATTERN_PIECES, 5)),
    };
    // Keys the evaluator doesn't interpret: it fails closed on them.
    if (random() < 0.05) Object.assign(s, { Condition: {} });
    return s;
  };
  const document = (): PolicyDocument => ({ Version: "2012-10-17", Statement: Array.from({ length: upTo(4) }, statement) });
  const policies = (): Array<PolicyDocument | NamedPolicy> =>
    Array.from({ length: 1 + upTo(3) }, (_, i) => (random() < 0.5 ? document() : { name: `p${i}`, document: document() }));
  const context = (): AuthorizationContext => {
    const clientId = pick(["dev-1", "a", "a*b", "😀", "sf/up"]);
    return random() < 0.7 ? { thingName: pick(["dev-1", "a", "*", ""]), clientId } : { clientId };
  };
  const resource = () => PREFIX + string(VALUE_PIECES, 6);
  return { pick, policies, context, resource, random };
}

describe("compiled policies (per connection) decide exactly like the interpreter", () => {
  it("over 600 generated policy sets, contexts and 18,000 resources, including deny-wins, wildcards and variables", () => {
    const gen = generator(13);
    let allowed = 0;
    let deniedByStatement = 0;
    for (let set = 0; set < 600; set++) {
      const policies = gen.policies();
      const context = gen.context();
      const compiled = new CompiledPolicies(policies, context, 8);
      // Resources that some pattern was built to match, not only random strings: fill the
      // wildcards of a pattern with pieces of a value.
      const patterns = policies.flatMap((p) => ("document" in p ? p.document : p).Statement.flatMap((s) => s.Resource));
      for (let i = 0; i < 30; i++) {
        const action = gen.pick(ACTIONS);
        const resource =
          patterns.length > 0 && gen.random() < 0.5
            ? gen.pick(patterns).replace(/\$\{iot:ClientId\}/g, context.clientId).replace(/\$\{iot:Connection\.Thing\.ThingName\}/g, context.thingName ?? "x").replace(/\$\{\*\}/g, "*").replace(/\$\{\?\}/g, "?").replace(/\*/g, () => gen.pick(["", "a/b", "😀"])).replace(/\?/g, () => gen.pick(["a", "é", "😀"]))
            : gen.resource();
        // Twice: the second answer comes from the decision cache (8 entries, so it also evicts).
        for (let round = 0; round < 2; round++) {
          const expected = evaluatePolicies(policies, { action, resource, context });
          assert.deepEqual(compiled.decide(action, resource), expected, `set ${set}, ${action} on ${JSON.stringify(resource)} with ${JSON.stringify({ policies, context })}`);
          if (round === 0 && expected.allowed) allowed++;
          if (round === 0 && expected.reason.startsWith("denied by")) deniedByStatement++;
        }
      }
      assert.ok(compiled.cachedDecisions <= 8, `cache holds ${compiled.cachedDecisions} decisions, bound 8`);
    }
    // The generated cases must exercise all three outcomes, or the comparison proves little.
    assert.ok(allowed > 1500, `only ${allowed} allowed decisions generated`);
    assert.ok(deniedByStatement > 300, `only ${deniedByStatement} explicit denies generated`);
  });

  it("matches every pattern over a two-letter alphabet like the interpreter (overlapping runs, stars next to stars)", () => {
    // Small alphabets make the tricky cases common: `a*b*b` against `ab`, `*a*` against `a`.
    const letters = ["a", "b"];
    const all = (pieces: string[], length: number): string[] => (length === 0 ? [""] : all(pieces, length - 1).flatMap((s) => pieces.map((p) => s + p)));
    const values = [0, 1, 2, 3, 4, 5].flatMap((n) => all(letters, n));
    const patterns = [0, 1, 2, 3, 4, 5].flatMap((n) => all([...letters, "*", "?"], n));
    let matches = 0;
    for (const pattern of patterns) {
      const test = compilePattern(pattern)!;
      for (const value of values) {
        const expected = matchesPattern(pattern, value);
        assert.equal(test(value), expected, `pattern ${JSON.stringify(pattern)} on ${JSON.stringify(value)}`);
        if (expected) matches++;
      }
    }
    assert.ok(matches > 10_000, `only ${matches} matching pairs`);
  });

  it("an explicit Deny in a later policy beats an earlier Allow, and names the statement", () => {
    const policies: NamedPolicy[] = [
      { name: "allow-all", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:*"], Resource: ["*"] }] } },
      { name: "no-secrets", document: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: ["iot:Publish"], Resource: [`${PREFIX}topic/secret/*`] }] } },
    ];
    const compiled = new CompiledPolicies(policies, { clientId: "c" });
    assert.equal(compiled.decide("iot:Publish", `${PREFIX}topic/open`).allowed, true);
    const denied = compiled.decide("iot:Publish", `${PREFIX}topic/secret/x`);
    assert.deepEqual(denied, { allowed: false, reason: `denied by policy "no-secrets" Statement[0] (Deny iot:Publish on ${PREFIX}topic/secret/*)` });
    assert.deepEqual(compiled.policyNames, ["allow-all", "no-secrets"]);
  });

  it("resolves policy variables at compile time: another thing's topic is never allowed", () => {
    const policies: PolicyDocument[] = [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:Publish"], Resource: [`${PREFIX}topic/sf/\${iot:Connection.Thing.ThingName}/*`] }] }];
    const own = new CompiledPolicies(policies, { thingName: "d1", clientId: "d1" });
    assert.equal(own.decide("iot:Publish", `${PREFIX}topic/sf/d1/up`).allowed, true);
    assert.equal(own.decide("iot:Publish", `${PREFIX}topic/sf/d2/up`).allowed, false);
    // No thing attached: the variable doesn't resolve and the statement never matches.
    assert.equal(new CompiledPolicies(policies, { clientId: "d1" }).decide("iot:Publish", `${PREFIX}topic/sf/d1/up`).allowed, false);
  });

  it("keeps at most the given number of decisions, and refuses a nonsense bound", () => {
    const compiled = new CompiledPolicies([{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:Receive"], Resource: ["*"] }] }], { clientId: "c" }, 100);
    for (let i = 0; i < 1000; i++) assert.equal(compiled.decide("iot:Receive", `${PREFIX}topic/t/${i}`).allowed, true);
    assert.equal(compiled.cachedDecisions, 100);
    assert.throws(() => new CompiledPolicies([], { clientId: "c" }, -1), /cacheSize must be a whole number >= 0, got -1/);
  });

  // "Valid values for Effect are Allow and Deny. The Effect value is case sensitive."
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html)
  it("only an Effect of exactly Allow or Deny decides: \"allow\" or \"ALLOW\" from parsed JSON grants nothing", () => {
    const document = (effect: string): PolicyDocument => JSON.parse(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: effect, Action: ["iot:Publish"], Resource: ["*"] }] }));
    for (const effect of ["allow", "ALLOW", "Allow ", "deny"]) {
      const compiled = new CompiledPolicies([document(effect)], { clientId: "c" });
      assert.deepEqual(compiled.decide("iot:Publish", `${PREFIX}topic/t`), { allowed: false, reason: "no statement allows it (default deny)" }, `Effect ${JSON.stringify(effect)}`);
    }
    // A bogus Effect next to a real Allow neither grants nor takes away.
    const mixed = new CompiledPolicies([document("allow"), document("Allow")], { clientId: "c" });
    assert.deepEqual(mixed.decide("iot:Publish", `${PREFIX}topic/t`), { allowed: true, reason: `allowed by policy #1 Statement[0] (Allow iot:Publish on *)` });
  });

  it("fails closed on keys it doesn't evaluate: such an Allow grants nothing, such a Deny denies unconditionally", () => {
    const allowAll: PolicyStatement = { Effect: "Allow", Action: ["iot:*"], Resource: ["*"] };
    for (const key of ["Condition", "NotAction", "NotResource"]) {
      const onlyConditional = new CompiledPolicies([{ Version: "2012-10-17", Statement: [{ ...allowAll, [key]: key === "Condition" ? { Bool: { "aws:SecureTransport": "true" } } : ["iot:Connect"] }] }], { clientId: "c" });
      assert.equal(onlyConditional.decide("iot:Publish", `${PREFIX}topic/t`).allowed, false, `Allow with ${key}`);
      const conditionalDeny = new CompiledPolicies([{ Version: "2012-10-17", Statement: [allowAll, { Effect: "Deny", Action: ["iot:Publish"], Resource: [`${PREFIX}topic/secret`], [key]: {} }] }], { clientId: "c" });
      assert.deepEqual(conditionalDeny.decide("iot:Publish", `${PREFIX}topic/secret`), { allowed: false, reason: `denied by policy #0 Statement[1] (Deny iot:Publish on ${PREFIX}topic/secret)` }, `Deny with ${key}`);
      assert.equal(conditionalDeny.decide("iot:Publish", `${PREFIX}topic/open`).allowed, true);
    }
  });

  it("a document without statements (parsed JSON) decides nothing and breaks nothing", () => {
    const empty = JSON.parse('{"Version":"2012-10-17"}') as PolicyDocument;
    const compiled = new CompiledPolicies([empty, { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:Connect"], Resource: [`${PREFIX}client/c`] }] }], { clientId: "c" });
    assert.equal(compiled.decide("iot:Connect", `${PREFIX}client/c`).allowed, true);
    assert.equal(compiled.decide("iot:Connect", `${PREFIX}client/d`).allowed, false);
  });

  it("with a cache size of 0 remembers nothing and still decides right; a bound that isn't a whole number is refused", () => {
    const policies: PolicyDocument[] = [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:Subscribe"], Resource: [`${PREFIX}topicfilter/sf/+/up`] }] }];
    const uncached = new CompiledPolicies(policies, { clientId: "c" }, 0);
    for (let round = 0; round < 2; round++) {
      assert.equal(uncached.decide("iot:Subscribe", `${PREFIX}topicfilter/sf/+/up`).allowed, true);
      assert.equal(uncached.decide("iot:Subscribe", `${PREFIX}topicfilter/sf/a/up`).allowed, false);
    }
    assert.equal(uncached.cachedDecisions, 0);
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new CompiledPolicies(policies, { clientId: "c" }, bad), new RegExp(`cacheSize must be a whole number >= 0, got ${bad}`));
    }
  });

  it("a repeated question is answered from the cache without evicting anything; past the bound answers stay right", () => {
    const compiled = new CompiledPolicies([{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:Receive"], Resource: [`${PREFIX}topic/a`, `${PREFIX}topic/b`] }] }], { clientId: "c" }, 2);
    compiled.decide("iot:Receive", `${PREFIX}topic/a`);
    compiled.decide("iot:Receive", `${PREFIX}topic/b`);
    for (let i = 0; i < 3; i++) assert.equal(compiled.decide("iot:Receive", `${PREFIX}topic/b`).allowed, true);
    assert.equal(compiled.cachedDecisions, 2);
    // A third resource evicts one; both remaining answers are still right.
    assert.equal(compiled.decide("iot:Receive", `${PREFIX}topic/c`).allowed, false);
    assert.equal(compiled.cachedDecisions, 2);
    assert.equal(compiled.decide("iot:Receive", `${PREFIX}topic/a`).allowed, true);
    assert.equal(compiled.decide("iot:Receive", `${PREFIX}topic/c`).allowed, false);
  });

  it("never serves one action's cached decision for another on the same string, nor a topic's for a topic filter", () => {
    // AWS: iot:Publish/iot:Receive name topic/..., iot:Subscribe names topicfilter/... ("Publish/Subscribe policy
    // examples", https://docs.aws.amazon.com/iot/latest/developerguide/pub-sub-policy.html); MQTT's + and # are literal there.
    const compiled = new CompiledPolicies(
      [{ Version: "2012-10-17", Statement: [
        { Effect: "Allow", Action: ["iot:Publish"], Resource: [`${PREFIX}topic/sf/d1/up`] },
        { Effect: "Allow", Action: ["iot:Subscribe"], Resource: [`${PREFIX}topicfilter/sf/+/up`] },
      ] }],
      { clientId: "d1" },
      16,
    );
    assert.equal(compiled.decide("iot:Publish", `${PREFIX}topic/sf/d1/up`).allowed, true);
    assert.equal(compiled.decide("iot:Receive", `${PREFIX}topic/sf/d1/up`).allowed, false);
    assert.equal(compiled.decide("iot:Subscribe", `${PREFIX}topic/sf/d1/up`).allowed, false);
    assert.equal(compiled.decide("iot:Subscribe", `${PREFIX}topicfilter/sf/+/up`).allowed, true);
    // + is literal: the filter allowed above doesn't allow a filter naming one thing.
    assert.equal(compiled.decide("iot:Subscribe", `${PREFIX}topicfilter/sf/d1/up`).allowed, false);
    assert.equal(compiled.decide("iot:Publish", `${PREFIX}topic/sf/d1/up`).allowed, true);
  });
});
