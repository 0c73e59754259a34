import assert from "node:assert/strict";
import { handleShadowRequest, shadowDelta, type StoredShadow } from "./shadowDocument";
import { parseShadowTopic, shadowTopics } from "./shadowTopics";

const NOW = 1_800_000_000;

function update(stored: StoredShadow | undefined, body: unknown) {
  return handleShadowRequest("update", "s", stored, typeof body === "string" ? body : JSON.stringify(body), NOW);
}

describe("device shadow documents (core/shadow, as AWS documents them)", () => {
  it("merges updates, deletes with null, counts versions and answers accepted, documents and delta", () => {
    const first = update(undefined, { state: { reported: { a: 1, nested: { x: 1, y: 2 } } }, clientToken: "t1" });
    assert.equal(first.stored!.version, 1);
    assert.deepEqual(first.messages.map((m) => m.response), ["accepted", "documents"]);
    assert.equal(first.messages[1].body.previous, undefined, "no previous document for a new shadow");
    const second = update(first.stored, { state: { desired: { a: 2, nested: { x: 1 } }, reported: { nested: { y: null } } }, clientToken: "t2" });
    assert.equal(second.stored!.version, 2);
    assert.deepEqual(second.stored!.reported, { a: 1, nested: { x: 1 } });
    const delta = second.messages.find((m) => m.response === "delta")!;
    assert.deepEqual(delta.body.state, { a: 2 });
    assert.deepEqual(delta.body.metadata, { a: { timestamp: NOW } });
    assert.equal(delta.body.clientToken, "t2");
    const documents = second.messages.find((m) => m.response === "documents")!.body as any;
    assert.equal(documents.previous.version, 1);
    assert.equal(documents.current.version, 2);
    const got = handleShadowRequest("get", "s", second.stored, "", NOW);
    assert.deepEqual((got.messages[0].body as any).state.delta, { a: 2 });
    const cleared = update(second.stored, { state: { desired: null } });
    assert.equal(cleared.stored!.desired, undefined);
    assert.ok(!cleared.messages.some((m) => m.response === "delta"));
  });

  it("rejects with AWS's codes and texts, changing nothing", () => {
    const stored = update(undefined, { state: { reported: { a: 1 } } }).stored!;
    const rejection = (body: unknown) => {
      const result = update(stored, body);
      assert.equal(result.stored, undefined);
      return [result.messages[0].body.code, result.messages[0].body.message];
    };
    assert.deepEqual(rejection("{"), [400, "Invalid JSON"]);
    assert.deepEqual(rejection({}), [400, "Missing required node: state"]);
    assert.deepEqual(rejection({ state: 1 }), [400, "State node must be an object"]);
    assert.deepEqual(rejection({ state: { desired: 1 } }), [400, "Desired node must be an object"]);
    assert.deepEqual(rejection({ state: { delta: {} } }), [400, "State contains an invalid node"]);
    assert.deepEqual(rejection({ state: { reported: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } } }), [400, "JSON contains too many levels of nesting; maximum is 6"]);
    assert.deepEqual(rejection({ state: { reported: { a: 2 } }, version: 5 }), [409, "Version conflict"]);
    assert.deepEqual(rejection({ state: { reported: { a: 2 } }, version: 1.5 }), [400, "Invalid version"]);
    assert.deepEqual(rejection({ state: { reported: { a: 2 } }, clientToken: "é".repeat(33) }), [400, "Invalid clientToken"]);
    assert.deepEqual(rejection({ state: { reported: { big: "x".repeat(8200) } } }), [413, "The payload exceeds the maximum size allowed"]);
    assert.deepEqual(handleShadowRequest("get", "s", undefined, "", NOW).messages[0].body, { code: 404, message: "No shadow exists with name: 's'", timestamp: NOW });
  });

  it("delete keeps the version: the next update continues from it", () => {
    const stored = update(undefined, { state: { reported: { a: 1 } } }).stored!;
    const deleted = handleShadowRequest("delete", "s", stored, JSON.stringify({ clientToken: "d" }), NOW);
    assert.deepEqual(deleted.messages[0].body, { version: 1, timestamp: NOW, clientToken: "d" });
    assert.equal(handleShadowRequest("get", "s", deleted.stored, "", NOW).messages[0].body.code, 404);
    assert.equal(update(deleted.stored, { state: { reported: { a: 1 } } }).stored!.version, 2);
  });

  it("compares objects member by member for the delta, and parses shadow topics", () => {
    assert.equal(shadowDelta({ a: { x: 1 } }, { a: { x: 1, y: 2 } }), undefined);
    assert.deepEqual(shadowDelta({ a: [1, 2] }, { a: [1] }), { a: [1, 2] });
    assert.deepEqual(parseShadowTopic(shadowTopics.response("gh-1", "app-settings", "update", "delta")), { thing: "gh-1", shadow: "app-settings", op: "update", response: "delta" });
    assert.deepEqual(parseShadowTopic("$aws/things/gh-1/shadow/get"), { thing: "gh-1", shadow: undefined, op: "get" });
    assert.equal(parseShadowTopic("$aws/things/gh-1/shadow/name/x/get/delta"), undefined);
    assert.equal(parseShadowTopic("$aws/things/gh-1/jobs/get"), undefined);
  });
});
