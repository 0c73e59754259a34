import assert from "node:assert/strict";
import { handleShadowRequest, shadowDelta, type StoredShadow } from "./shadowDocument";
import { parseShadowTopic, SHADOW_NAME_PATTERN, shadowPrefix, shadowTopics } from "./shadowTopics";

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

// Issue 17: the Device Shadow service's behaviour at each edge, as the AWS IoT developer guide
// documents it: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
// (null deletes, version, clientToken echoed, /update/documents with previous and current),
// https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html (delta: only
// desired values that differ from reported; metadata timestamps per leaf),
// https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html and
// https://docs.aws.amazon.com/general/latest/gr/iot-core.html#device-shadow-limits (8 KB of
// desired + reported state, 6 levels of nesting, clientToken at most 64 bytes).
describe("device shadow documents at their edges (AWS IoT developer guide)", () => {
  const reject = (op: "get" | "update" | "delete", stored: StoredShadow | undefined, payload: string) => {
    const result = handleShadowRequest(op, "s", stored, payload, NOW);
    assert.equal(result.stored, undefined, "a rejection stores nothing");
    assert.equal(result.messages.length, 1);
    assert.equal(result.messages[0].response, "rejected");
    assert.equal(result.messages[0].op, op, "answered on the request's own /rejected topic");
    return result.messages[0].body;
  };
  const existing = () => update(undefined, { state: { reported: { a: 1 } } }).stored!;
  // The local cloud stores a shadow as JSON: what a stored shadow says is its JSON.
  const asStored = (shadow: StoredShadow | undefined) => JSON.parse(JSON.stringify(shadow));

  it("an update's accepted answer echoes the state with a timestamp per written leaf, the new version and the clientToken", () => {
    const result = update(undefined, { state: { desired: { color: "red", light: { on: true } }, reported: { old: null } }, clientToken: "abc" });
    assert.deepEqual(result.messages[0], {
      op: "update",
      response: "accepted",
      body: {
        state: { desired: { color: "red", light: { on: true } }, reported: { old: null } },
        metadata: { desired: { color: { timestamp: NOW }, light: { on: { timestamp: NOW } } }, reported: { old: { timestamp: NOW } } },
        version: 1,
        timestamp: NOW,
        clientToken: "abc",
      },
    });
    assert.deepEqual(asStored(result.stored), { exists: true, version: 1, desired: { color: "red", light: { on: true } }, metadata: { desired: { color: { timestamp: NOW }, light: { on: { timestamp: NOW } } } } }, "deleting a key that isn't there leaves no reported section");
    assert.ok(!("clientToken" in update(undefined, { state: { reported: { a: 1 } } }).messages[0].body), "no clientToken given, none echoed");
  });

  it("/update/documents carries the previous and current documents (state, metadata, version) and the clientToken", () => {
    const first = existing();
    const later = handleShadowRequest("update", "s", first, JSON.stringify({ state: { desired: { a: 2 } }, clientToken: "c" }), NOW + 5);
    const documents = later.messages.find((m) => m.response === "documents")!;
    assert.equal(documents.op, "update");
    assert.deepEqual(documents.body, {
      previous: { state: { reported: { a: 1 } }, metadata: { reported: { a: { timestamp: NOW } } }, version: 1 },
      current: { state: { desired: { a: 2 }, reported: { a: 1 } }, metadata: { desired: { a: { timestamp: NOW + 5 } }, reported: { a: { timestamp: NOW } } }, version: 2 },
      timestamp: NOW + 5,
      clientToken: "c",
    });
  });

  it("/update/delta carries only the differing desired leaves, with their metadata, the version and timestamp", () => {
    const stored = update(undefined, { state: { reported: { light: { on: false, level: 3 }, mode: "x" } } }).stored!;
    const result = update(stored, { state: { desired: { light: { on: true, level: 3 }, mode: "x" } } });
    const delta = result.messages.find((m) => m.response === "delta")!;
    assert.equal(delta.op, "update");
    assert.deepEqual(delta.body, { version: 2, timestamp: NOW, state: { light: { on: true } }, metadata: { light: { on: { timestamp: NOW } } } });
    assert.deepEqual(result.messages.map((m) => m.response), ["accepted", "documents", "delta"]);
    const matching = update(result.stored, { state: { reported: { light: { on: true } } } });
    assert.deepEqual(matching.messages.map((m) => m.response), ["accepted", "documents"], "no delta once reported matches desired");
  });

  it("a get answers the state, the delta, the metadata, the version and the clientToken; without a delta when nothing differs", () => {
    const stored = update(undefined, { state: { desired: { a: 1, b: 2 }, reported: { a: 1 } } }).stored!;
    const got = handleShadowRequest("get", "s", stored, JSON.stringify({ clientToken: "g" }), NOW + 1);
    assert.deepEqual(got, {
      messages: [{
        op: "get",
        response: "accepted",
        body: {
          state: { desired: { a: 1, b: 2 }, reported: { a: 1 }, delta: { b: 2 } },
          metadata: { desired: { a: { timestamp: NOW }, b: { timestamp: NOW } }, reported: { a: { timestamp: NOW } } },
          version: 1,
          timestamp: NOW + 1,
          clientToken: "g",
        },
      }],
    });
    const reportedOnly = handleShadowRequest("get", "s", existing(), "  ", NOW);
    assert.deepEqual(reportedOnly.messages[0].body, { state: { reported: { a: 1 } }, metadata: { reported: { a: { timestamp: NOW } } }, version: 1, timestamp: NOW });
    // A get reads nothing but its clientToken: other members of its payload are not checked.
    assert.equal(handleShadowRequest("get", "s", existing(), JSON.stringify({ state: 1, version: "x" }), NOW).messages[0].response, "accepted");
  });

  it("null deletes a key; deleting the last key of a section removes the section", () => {
    const stored = update(undefined, { state: { desired: { a: 1 }, reported: { a: 1, b: { c: 1 } } } }).stored!;
    const next = update(stored, { state: { desired: { a: null }, reported: { b: null } } }).stored!;
    assert.deepEqual(asStored(next), { exists: true, version: 2, reported: { a: 1 }, metadata: { reported: { a: { timestamp: NOW } } } });
    const got = handleShadowRequest("get", "s", next, "", NOW).messages[0].body;
    assert.deepEqual(got.state, { reported: { a: 1 } });
    assert.deepEqual(got.metadata, { reported: { a: { timestamp: NOW } } });
    const emptied = update(next, { state: { reported: null } }).stored!;
    assert.deepEqual(asStored(emptied), { exists: true, version: 3, metadata: {} });
  });

  it("an object replaces a value and a value replaces an object, each with its own metadata", () => {
    const stored = update(undefined, { state: { reported: { a: 1, b: { x: 1 } } } }).stored!;
    const next = handleShadowRequest("update", "s", stored, JSON.stringify({ state: { reported: { a: { y: 2 }, b: 5 } } }), NOW + 9).stored!;
    assert.deepEqual(next.reported, { a: { y: 2 }, b: 5 });
    assert.deepEqual(next.metadata.reported, { a: { y: { timestamp: NOW + 9 } }, b: { timestamp: NOW + 9 } });
    const merged = update(next, { state: { reported: { a: { z: 3 } } } }).stored!;
    assert.deepEqual(merged.reported, { a: { y: 2, z: 3 }, b: 5 });
    assert.deepEqual(merged.metadata.reported, { a: { y: { timestamp: NOW + 9 }, z: { timestamp: NOW } }, b: { timestamp: NOW + 9 } });
  });

  it("an update leaves the stored shadow it was given unchanged (the caller stores the result)", () => {
    const stored = update(undefined, { state: { desired: { a: { b: 1 } }, reported: { a: { b: 1 } } } }).stored!;
    const before = JSON.stringify(stored);
    update(stored, { state: { desired: { a: { b: 2, c: null } }, reported: { a: null } } });
    assert.equal(JSON.stringify(stored), before);
  });

  it("versions: an update with the current version passes, another is a 409 with the clientToken; a new shadow's is 0", () => {
    const stored = existing();
    assert.equal(update(stored, { state: { reported: { a: 2 } }, version: 1 }).stored!.version, 2);
    assert.equal(update(undefined, { state: { reported: { a: 2 } }, version: 0 }).stored!.version, 1);
    assert.deepEqual(reject("update", stored, JSON.stringify({ state: { reported: { a: 2 } }, version: 2, clientToken: "v" })), { code: 409, message: "Version conflict", timestamp: NOW, clientToken: "v" });
    assert.deepEqual(reject("update", stored, JSON.stringify({ state: { reported: { a: 2 } }, version: 0 })), { code: 409, message: "Version conflict", timestamp: NOW });
    assert.equal(reject("update", stored, JSON.stringify({ state: {}, version: -1 })).message, "Invalid version");
    assert.equal(reject("update", stored, JSON.stringify({ state: {}, version: "1" })).message, "Invalid version");
  });

  it("clientToken: at most 64 bytes, a string, and echoed on rejections too", () => {
    const stored = existing();
    const token64 = "t".repeat(64);
    assert.equal(update(stored, { state: { reported: { a: 2 } }, clientToken: token64 }).messages[0].body.clientToken, token64);
    assert.deepEqual(reject("update", stored, JSON.stringify({ state: { reported: { a: 2 } }, clientToken: "t".repeat(65) })), { code: 400, message: "Invalid clientToken", timestamp: NOW });
    assert.equal(reject("get", stored, JSON.stringify({ clientToken: 5 })).message, "Invalid clientToken");
    assert.deepEqual(reject("update", stored, JSON.stringify({ clientToken: "k" })), { code: 400, message: "Missing required node: state", timestamp: NOW, clientToken: "k" });
    assert.deepEqual(reject("get", undefined, JSON.stringify({ clientToken: "k" })), { code: 404, message: "No shadow exists with name: 's'", timestamp: NOW, clientToken: "k" });
  });

  it("payloads: an update needs a JSON object; a get or delete may be empty but not malformed", () => {
    const stored = existing();
    for (const payload of ["", "  ", "[]", "null", "3", "\"state\""]) assert.equal(reject("update", stored, payload).message, "Invalid JSON", `update ${JSON.stringify(payload)}`);
    assert.equal(reject("get", stored, "{").message, "Invalid JSON");
    assert.equal(reject("delete", stored, "[1]").message, "Invalid JSON");
    assert.equal(reject("update", stored, JSON.stringify({ state: { reported: [1] } })).message, "Reported node must be an object");
    assert.equal(reject("update", stored, JSON.stringify({ state: { desired: "x" } })).message, "Desired node must be an object");
    assert.equal(reject("update", stored, JSON.stringify({ state: [] })).message, "State node must be an object");
    assert.equal(reject("update", stored, JSON.stringify({ state: null })).message, "State node must be an object");
  });

  it("nesting: 6 levels pass and 7 are refused, arrays counting as levels", () => {
    const stored = existing();
    const nest = (levels: number): unknown => (levels === 0 ? 1 : { n: nest(levels - 1) });
    // `reported` itself is the first level.
    assert.equal(update(stored, { state: { reported: nest(6) } }).messages[0].response, "accepted");
    assert.equal(reject("update", stored, JSON.stringify({ state: { desired: nest(7) } })).message, "JSON contains too many levels of nesting; maximum is 6");
    assert.equal(update(stored, { state: { reported: { a: [[[[[1]]]]] } } }).messages[0].response, "accepted");
    assert.equal(reject("update", stored, JSON.stringify({ state: { reported: { a: [[[[[[1]]]]]] } } })).code, 400);
    assert.equal(update(stored, { state: { reported: { a: {}, b: [] } } }).messages[0].response, "accepted");
  });

  it("size: desired + reported state of exactly 8 KB passes, a byte more is a 413, also when the merge makes it so", () => {
    const stored = existing();
    const state = (n: number) => ({ reported: { big: "x".repeat(n) } });
    const overhead = Buffer.byteLength(JSON.stringify(state(0)));
    assert.equal(update(undefined, { state: state(8192 - overhead) }).messages[0].response, "accepted");
    assert.equal(reject("update", undefined, JSON.stringify({ state: state(8193 - overhead) })).code, 413);
    // Each request fits, the stored whole wouldn't: the second is refused and nothing changes.
    const half = update(undefined, { state: { desired: { one: "y".repeat(5000) } } }).stored!;
    assert.deepEqual(reject("update", half, JSON.stringify({ state: { reported: { two: "z".repeat(5000) } } })), { code: 413, message: "The payload exceeds the maximum size allowed", timestamp: NOW });
    assert.ok(stored.exists);
    // The request itself counts too: more than 8 KB of deletions is refused, though it would shrink the shadow.
    const deletions = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`key${i}`, null]));
    assert.ok(Buffer.byteLength(JSON.stringify({ reported: deletions })) > 8192);
    assert.equal(reject("update", stored, JSON.stringify({ state: { reported: deletions } })).code, 413);
  });

  it("delete: answers version, timestamp and clientToken, keeps the version, and a second delete is a 404", () => {
    const stored = existing();
    const deleted = handleShadowRequest("delete", "s", stored, "", NOW);
    assert.deepEqual(deleted.stored, { exists: false, version: 1, metadata: {} });
    assert.deepEqual(deleted.messages, [{ op: "delete", response: "accepted", body: { version: 1, timestamp: NOW } }]);
    assert.equal(reject("delete", deleted.stored, "").code, 404);
    assert.deepEqual(reject("delete", undefined, ""), { code: 404, message: "No shadow exists with name: 's'", timestamp: NOW });
    const classic = handleShadowRequest("get", undefined, undefined, "", NOW).messages[0].body;
    assert.deepEqual(classic, { code: 404, message: "No shadow exists with name: ''", timestamp: NOW });
    const recreated = update(deleted.stored, { state: { reported: { b: 2 } } });
    assert.deepEqual(recreated.stored!.reported, { b: 2 }, "the deleted state doesn't come back");
    assert.ok(!("previous" in recreated.messages[1].body), "a recreated shadow has no previous document");
  });

  it("the delta compares member by member: missing, changed, nested and array members", () => {
    assert.equal(shadowDelta(undefined, { a: 1 }), undefined);
    assert.deepEqual(shadowDelta({ a: 1, b: { c: 2 } }, undefined), { a: 1, b: { c: 2 } });
    assert.deepEqual(shadowDelta({ a: 1, b: 2 }, { a: 1 }), { b: 2 });
    assert.deepEqual(shadowDelta({ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } }), { a: { y: 2 } });
    assert.deepEqual(shadowDelta({ a: { x: 1 } }, { a: 5 }), { a: { x: 1 } });
    assert.deepEqual(shadowDelta({ a: 5 }, { a: { x: 1 } }), { a: 5 });
    assert.equal(shadowDelta({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), undefined);
    assert.deepEqual(shadowDelta({ a: "1" }, { a: 1 }), { a: "1" });
    assert.equal(shadowDelta({}, {}), undefined);
  });

  it("shadow topics: named and classic, requests and responses; anything else is not a shadow topic", () => {
    assert.equal(shadowTopics.request("gh-1", undefined, "update"), "$aws/things/gh-1/shadow/update");
    assert.equal(shadowTopics.request("gh-1", "app-settings", "get"), "$aws/things/gh-1/shadow/name/app-settings/get");
    assert.equal(shadowTopics.response("gh-1", undefined, "delete", "accepted"), "$aws/things/gh-1/shadow/delete/accepted");
    assert.equal(shadowPrefix("t"), "$aws/things/t/shadow");
    assert.deepEqual(parseShadowTopic("$aws/things/t/shadow/name/n/update"), { thing: "t", shadow: "n", op: "update" });
    assert.deepEqual(parseShadowTopic("$aws/things/t/shadow/delete/rejected"), { thing: "t", shadow: undefined, op: "delete", response: "rejected" });
    assert.deepEqual(parseShadowTopic("$aws/things/t/shadow/get/accepted"), { thing: "t", shadow: undefined, op: "get", response: "accepted" });
    assert.deepEqual(parseShadowTopic("$aws/things/t/shadow/update/documents"), { thing: "t", shadow: undefined, op: "update", response: "documents" });
    for (const topic of [
      "aws/things/t/shadow/get",
      "$aws/thing/t/shadow/get",
      "$aws/things//shadow/get",
      "$aws/things/t/shadows/get",
      "$aws/things/t/shadow/name",
      "$aws/things/t/shadow/name//get",
      "$aws/things/t/shadow/list",
      "$aws/things/t/shadow/get/documents",
      "$aws/things/t/shadow/delete/delta",
      "$aws/things/t/shadow/update/accepted/x",
      "$aws/things/t/shadow",
    ]) assert.equal(parseShadowTopic(topic), undefined, topic);
  });

  it("named shadow names: 1 to 64 of [a-zA-Z0-9:_-]", () => {
    for (const name of ["a", "App-1:settings_x", "n".repeat(64)]) assert.ok(SHADOW_NAME_PATTERN.test(name), name);
    for (const name of ["", "n".repeat(65), "a b", "a/b", "é", "x\n"]) assert.ok(!SHADOW_NAME_PATTERN.test(name), JSON.stringify(name));
  });
});
