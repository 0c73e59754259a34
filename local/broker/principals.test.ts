/** Which policies apply to whom (principals.ts, servicePolicies.ts), called directly and judged by
 * the evaluator AWS's documents are judged by: every kind of principal gets its own documents,
 * the thing-name variable resolves only for a thing connected under its own name, and each local
 * service may do exactly what its document says. broker.test.ts checks the same over TLS. */
import assert from "node:assert/strict";
import type { Manifest } from "../../core/contracts/manifest";
import { jobTopics, topics } from "../../core/contracts/topics";
import { clientArn, evaluatePolicies, topicArn, topicFilterArn, type PolicyAction, type PolicyScope } from "../../core/policy";
import { settingsShadowName } from "../../core/settings/settingDecl";
import { shadowTopics } from "../../core/shadow/shadowTopics";
import { channelManifest } from "../../test/support/channelManifest";
import { authorizationContext, describePrincipal, PolicyBook, type Principal } from "./principals";
import { jobsServicePolicyName, serviceClientIdPrefix, servicePolicyDocuments } from "./servicePolicies";

const APP = "grow";
const scope: PolicyScope = { app: APP, region: "local", account: "000000000000" };
const manifest = channelManifest(APP, [
  { name: "temperature", qos: 1, direction: "both", replay: 0 },
  { name: "cmd", qos: 1, direction: "server-to-device", replay: 0 },
]);
const withSettings: Manifest = { ...manifest, settings: [{ name: "setpoint", default: 21, min: 5, max: 35 }] };

const thingA: Principal = { kind: "thing", thingName: "a", attachedThings: ["a"] };
const viewer: Principal = { kind: "dashboard", expiresAt: 1, role: "viewer" };
const operator: Principal = { kind: "dashboard", expiresAt: 1, role: "operator" };
const service = (serviceName: string): Principal => ({ kind: "service", serviceName });

const names = (book: PolicyBook, principal: Principal) => book.policiesFor(principal).map((p) => p.name);

/** Whether the principal's policies in `book`, connected as `clientId`, allow the request. */
function allows(book: PolicyBook, principal: Principal, clientId: string, action: PolicyAction, resource: string): boolean {
  return evaluatePolicies(book.policiesFor(principal), { action, resource, context: authorizationContext(principal, clientId) }).allowed;
}
const client = (id: string) => clientArn(scope.region, scope.account, id);
const topic = (name: string) => topicArn(scope.region, scope.account, name);
const filter = (name: string) => topicFilterArn(scope.region, scope.account, name);

describe("principals and their policies", () => {
  const book = new PolicyBook(scope, manifest);
  const settingsBook = new PolicyBook(scope, withSettings);

  it("describes each principal as refusals name it", () => {
    assert.equal(describePrincipal(thingA), 'thing "a"');
    assert.equal(describePrincipal({ kind: "thing", thingName: undefined, attachedThings: ["a", "b"] }), 'certificate of thing "a", thing "b" (client id names none of them)');
    assert.equal(describePrincipal(service("jobs")), 'service "jobs"');
    assert.equal(describePrincipal(viewer), "dashboard");
    assert.equal(describePrincipal(operator), "dashboard (operator)");
    assert.equal(describePrincipal({ kind: "claim", batch: "b1" }), 'claim of batch "b1"');
  });

  // `${iot:Connection.Thing.ThingName}` resolves only when the client id names an attached thing
  // (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html).
  it("resolves the thing-name variable only for a thing connected under its own name", () => {
    assert.deepEqual(authorizationContext(thingA, "a"), { thingName: "a", clientId: "a" });
    assert.deepEqual(authorizationContext({ kind: "thing", thingName: undefined, attachedThings: ["a"] }, "b"), { clientId: "b" });
    assert.deepEqual(authorizationContext(viewer, "sf-grow-dashboard-1"), { clientId: "sf-grow-dashboard-1" });
    assert.equal(allows(book, thingA, "a", "iot:Publish", topic(topics.up(APP, "a", "temperature"))), true);
    const unnamed: Principal = { kind: "thing", thingName: undefined, attachedThings: ["a"] };
    assert.equal(allows(book, unnamed, "b", "iot:Connect", client("b")), false);
    assert.equal(allows(book, unnamed, "b", "iot:Publish", topic(topics.up(APP, "a", "temperature"))), false);
  });

  it("gives things the device documents, claims the claim policy, dashboards the document of their role", () => {
    assert.deepEqual(names(book, thingA), ["sf-grow-device-base", "sf-grow-device-channels-1"]);
    assert.deepEqual(names(book, { kind: "claim", batch: "b1" }), ["sf-grow-claim"]);
    assert.deepEqual(names(book, viewer), ["sf-grow-dashboard"]);
    assert.deepEqual(names(book, operator), ["sf-grow-dashboard-operator"]);
    assert.deepEqual(names(settingsBook, viewer), ["sf-grow-dashboard", "sf-grow-dashboard-settings"]);
    assert.deepEqual(names(settingsBook, operator), ["sf-grow-dashboard-operator", "sf-grow-dashboard-settings-operator"]);
  });

  // Changing a setting is an operator's action (core/contracts/dashboardRoles.ts).
  it("lets an operator dashboard change settings and a viewer only read them", () => {
    const update = topic(shadowTopics.request("a", settingsShadowName(APP), "update"));
    const get = topic(shadowTopics.request("a", settingsShadowName(APP), "get"));
    const dashboardId = "sf-grow-dashboard-1";
    assert.equal(allows(settingsBook, operator, dashboardId, "iot:Publish", update), true);
    assert.equal(allows(settingsBook, viewer, dashboardId, "iot:Publish", update), false);
    assert.equal(allows(settingsBook, viewer, dashboardId, "iot:Publish", get), true);
    assert.equal(allows(book, operator, dashboardId, "iot:Publish", update), false, "no settings, no settings shadow");
  });

  it("gives the server and dashboard services the documents AWS gets, with a -settings policy only when the app has settings", () => {
    assert.deepEqual(names(book, service("server")), ["sf-grow-server"]);
    assert.deepEqual(names(book, service("dashboard")), ["sf-grow-dashboard"]);
    assert.deepEqual(names(settingsBook, service("server")), ["sf-grow-server", "sf-grow-server-settings"]);
    assert.deepEqual(names(settingsBook, service("dashboard")), ["sf-grow-dashboard", "sf-grow-dashboard-settings"]);
    assert.deepEqual(names(settingsBook, service("jobs")), [jobsServicePolicyName(APP)]);
    assert.equal(jobsServicePolicyName(APP), "sf-grow-local-jobs");
    // The same documents the book hands out, built directly.
    assert.deepEqual(book.policiesFor(service("server")), servicePolicyDocuments("server", { ...scope, channels: manifest.channels }));
  });

  it("gives a service the broker doesn't know no policy at all: default deny, even iot:Connect", () => {
    assert.deepEqual(servicePolicyDocuments("backup", { ...scope, channels: manifest.channels }), []);
    assert.equal(allows(book, service("backup"), "_svc-backup", "iot:Connect", client("_svc-backup")), false);
  });

  it("keeps services' client ids apart from things': they start with _, which thing names can't", () => {
    assert.equal(serviceClientIdPrefix("jobs"), "_svc-jobs");
  });

  // The jobs service plays AWS IoT Jobs: every thing's Jobs topics, nothing else.
  it("lets the jobs service connect as _svc-jobs*, hear every thing's Jobs requests and answer them, and nothing else", () => {
    const jobs = service("jobs");
    const id = `${serviceClientIdPrefix("jobs")}-1`;
    assert.equal(allows(book, jobs, id, "iot:Connect", client(id)), true);
    assert.equal(allows(book, jobs, id, "iot:Connect", client("sf-grow-server")), false);
    assert.equal(allows(book, jobs, id, "iot:Subscribe", filter("$aws/things/*/jobs/*")), true);
    assert.equal(allows(book, jobs, id, "iot:Receive", topic(jobTopics.get("a"))), true);
    assert.equal(allows(book, jobs, id, "iot:Publish", topic(jobTopics.notifyNext("a"))), true);
    assert.equal(allows(book, jobs, id, "iot:Publish", topic(topics.down(APP, "a", "cmd"))), false);
    assert.equal(allows(book, jobs, id, "iot:Subscribe", filter(topics.up(APP, "*", "temperature"))), false);
    assert.equal(allows(book, jobs, id, "iot:RetainPublish", topic(jobTopics.notifyNext("a"))), false);
  });

  it("lets the server service connect only as sf-{app}-server and send down where the server may", () => {
    const server = service("server");
    assert.equal(allows(book, server, "sf-grow-server", "iot:Connect", client("sf-grow-server")), true);
    assert.equal(allows(book, server, "_svc-jobs", "iot:Connect", client("_svc-jobs")), false);
    assert.equal(allows(book, server, "sf-grow-server", "iot:Publish", topic(topics.down(APP, "a", "cmd"))), true);
    assert.equal(allows(book, server, "sf-grow-server", "iot:Subscribe", filter("$aws/things/*/jobs/*")), false);
  });
});
