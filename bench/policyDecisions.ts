/** What a policy decision costs the broker per message: the interpreter (`evaluatePolicies`, what
 * every publish and delivery ran before) against the policies compiled per connection, with and
 * without its decision cache, on a device's own policies and topics. CPU-bound, same process,
 * same run. */
import { performance } from "node:perf_hooks";
import { CompiledPolicies, devicePolicyDocuments, evaluatePolicies, topicArn, type PolicyAction } from "../core/policy";
import { channelManifest } from "../test/support/channelManifest";

export interface PolicyDecisionFigures {
  interpreterNs: number;
  compiledNs: number;
  compiledUncachedNs: number;
}

export function measurePolicyDecisions(decisions = 200_000): PolicyDecisionFigures {
  const app = "bench";
  const channels = channelManifest(app, ["temperature", "humidity", "light", "cmd"].map((name) => ({ name, qos: 1 as const, direction: "both" as const, replay: 0 }))).channels;
  const policies = devicePolicyDocuments({ app, region: "local", account: "000000000000", channels });
  const context = { thingName: "dev-1", clientId: "dev-1" };
  const requests: Array<[PolicyAction, string]> = [
    ["iot:Publish", topicArn("local", "000000000000", `sf/${app}/dev-1/temperature/up`)],
    ["iot:Receive", topicArn("local", "000000000000", `sf/${app}/dev-1/cmd/down`)],
    ["iot:Publish", topicArn("local", "000000000000", `sf/${app}/dev-1/_log/up`)],
  ];
  const time = (decide: (action: PolicyAction, resource: string) => boolean) => {
    let allowed = 0;
    const start = performance.now();
    for (let i = 0; i < decisions; i++) {
      const [action, resource] = requests[i % requests.length];
      if (decide(action, resource)) allowed++;
    }
    if (allowed !== decisions) throw new Error(`policy bench: ${decisions - allowed} requests denied; the bench requests must all be allowed`);
    return Math.round(((performance.now() - start) * 1e6) / decisions);
  };
  const compiled = new CompiledPolicies(policies, context);
  const uncached = new CompiledPolicies(policies, context, 0);
  return {
    interpreterNs: time((action, resource) => evaluatePolicies(policies, { action, resource, context }).allowed),
    compiledNs: time((action, resource) => compiled.decide(action, resource).allowed),
    compiledUncachedNs: time((action, resource) => uncached.decide(action, resource).allowed),
  };
}
