/** The Device Shadow service's decisions, as AWS documents them, for the local cloud's shadow
 * service (local/shadows/) and for tests: what a get, update or delete does to a stored shadow and
 * which answers it publishes. Pure: the caller stores the result and publishes the messages.
 *
 * Sources (AWS IoT developer guide):
 * - documents and the delta state: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html
 * - data flow, `null` deletes, versions, clientToken: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
 * - error codes and texts: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html
 * - limits (8 KB of desired + reported state, 6 levels of nesting, clientToken ≤ 64 bytes):
 *   https://docs.aws.amazon.com/general/latest/gr/iot-core.html#device-shadow-limits and
 *   https://docs.aws.amazon.com/iot/latest/developerguide/diagnosing-shadows.html
 * Timestamps are Unix seconds, as AWS sends them. Deleting a shadow keeps its version: the next
 * update continues from it, so a client holding an old version can't mistake a new shadow for it. */
import type { ShadowOperation, ShadowResponse } from "./shadowTopics";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Only desired and reported state count toward the limit, metadata doesn't. */
export const MAX_SHADOW_STATE_BYTES = 8 * 1024;
export const MAX_SHADOW_DEPTH = 6;
export const MAX_CLIENT_TOKEN_BYTES = 64;

export interface StoredShadow {
  /** False after a delete (the row keeps the version). */
  exists: boolean;
  version: number;
  desired?: JsonObject;
  reported?: JsonObject;
  /** Same shape as the state, `{ timestamp }` at each leaf: when that value was last written. */
  metadata: { desired?: JsonObject; reported?: JsonObject };
}

export interface ShadowMessage {
  response: ShadowResponse;
  /** The operation whose topic it goes out on (`update` for delta and documents). */
  op: ShadowOperation;
  body: JsonObject;
}

export interface ShadowResult {
  /** The shadow to store; undefined when nothing changed (a get, or a rejection). */
  stored?: StoredShadow;
  messages: ShadowMessage[];
}

export class ShadowRejection extends Error {
  constructor(
    readonly code: 400 | 404 | 409 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** Runs one request against the stored shadow (undefined: never created) at `nowSeconds`. */
export function handleShadowRequest(op: ShadowOperation, shadowName: string | undefined, stored: StoredShadow | undefined, payload: string, nowSeconds: number): ShadowResult {
  let clientToken: string | undefined;
  try {
    const body = parseBody(op, payload);
    // Taken first, so a rejection of the rest still carries it ("clientToken: present only if a
    // client token was used when publishing the message", device-shadow-error-messages.html).
    clientToken = clientTokenOf(body);
    const request = parseRequest(op, body, clientToken);
    switch (op) {
      case "get":
        return get(shadowName, stored, clientToken, nowSeconds);
      case "delete":
        return remove(shadowName, stored, clientToken, nowSeconds);
      case "update":
        return update(stored, request, nowSeconds);
    }
  } catch (e) {
    if (!(e instanceof ShadowRejection)) throw e;
    const body: JsonObject = { code: e.code, message: e.message, timestamp: nowSeconds };
    if (clientToken !== undefined) body.clientToken = clientToken;
    return { messages: [{ op, response: "rejected", body }] };
  }
}

/** Desired values that differ from the reported ones (objects compared member by member), as
 * `/update/delta` and a get's `state.delta` carry them; undefined when there is no difference. */
export function shadowDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (!desired) return undefined;
  const delta: JsonObject = {};
  for (const [key, want] of Object.entries(desired)) {
    const have = reported?.[key];
    if (isObject(want) && isObject(have)) {
      const inner = shadowDelta(want, have);
      if (inner) delta[key] = inner;
    } else if (!jsonEqual(want, have)) delta[key] = want;
  }
  return Object.keys(delta).length > 0 ? delta : undefined;
}

// --- requests ----------------------------------------------------------------------------

interface ParsedRequest {
  clientToken?: string;
  version?: number;
  state?: { desired?: JsonObject | null; reported?: JsonObject | null };
}

/** The request's JSON object; undefined for a get or delete with an empty payload. */
function parseBody(op: ShadowOperation, payload: string): JsonObject | undefined {
  // A get or delete may come with an empty payload; an update never.
  if (op !== "update" && payload.trim() === "") return undefined;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    // Removing this throw is an equivalent mutant (Stryker's disable comment can't reach a catch
    // clause): an unparsed body stays undefined and is refused just below with the same answer.
    throw new ShadowRejection(400, "Invalid JSON");
  }
  if (!isObject(body)) throw new ShadowRejection(400, "Invalid JSON");
  return body;
}

function clientTokenOf(body: JsonObject | undefined): string | undefined {
  if (body?.clientToken === undefined) return undefined;
  if (typeof body.clientToken !== "string" || Buffer.byteLength(body.clientToken) > MAX_CLIENT_TOKEN_BYTES) throw new ShadowRejection(400, "Invalid clientToken");
  return body.clientToken;
}

function parseRequest(op: ShadowOperation, body: JsonObject | undefined, clientToken: string | undefined): ParsedRequest {
  const request: ParsedRequest = { clientToken };
  if (op !== "update" || body === undefined) return request;
  if (body.version !== undefined) {
    if (typeof body.version !== "number" || !Number.isInteger(body.version) || body.version < 0) throw new ShadowRejection(400, "Invalid version");
    request.version = body.version;
  }
  if (body.state === undefined) throw new ShadowRejection(400, "Missing required node: state");
  if (!isObject(body.state)) throw new ShadowRejection(400, "State node must be an object");
  const state: NonNullable<ParsedRequest["state"]> = {};
  for (const [key, value] of Object.entries(body.state)) {
    if (key !== "desired" && key !== "reported") throw new ShadowRejection(400, "State contains an invalid node");
    if (value !== null && !isObject(value)) throw new ShadowRejection(400, `${key === "desired" ? "Desired" : "Reported"} node must be an object`);
    if (depth(value) > MAX_SHADOW_DEPTH) throw new ShadowRejection(400, `JSON contains too many levels of nesting; maximum is ${MAX_SHADOW_DEPTH}`);
    state[key] = value;
  }
  if (Buffer.byteLength(JSON.stringify(state)) > MAX_SHADOW_STATE_BYTES) throw new ShadowRejection(413, "The payload exceeds the maximum size allowed");
  request.state = state;
  return request;
}

function notFound(shadowName: string | undefined): ShadowRejection {
  return new ShadowRejection(404, shadowName === undefined ? "No shadow exists with name: ''" : `No shadow exists with name: '${shadowName}'`);
}

function get(shadowName: string | undefined, stored: StoredShadow | undefined, clientToken: string | undefined, now: number): ShadowResult {
  if (!stored?.exists) throw notFound(shadowName);
  const state: JsonObject = {};
  if (stored.desired) state.desired = stored.desired;
  if (stored.reported) state.reported = stored.reported;
  const delta = shadowDelta(stored.desired, stored.reported);
  if (delta) state.delta = delta;
  const body: JsonObject = { state, metadata: metadataOf(stored), version: stored.version, timestamp: now };
  if (clientToken !== undefined) body.clientToken = clientToken;
  return { messages: [{ op: "get", response: "accepted", body }] };
}

function remove(shadowName: string | undefined, stored: StoredShadow | undefined, clientToken: string | undefined, now: number): ShadowResult {
  if (!stored?.exists) throw notFound(shadowName);
  const body: JsonObject = { version: stored.version, timestamp: now };
  if (clientToken !== undefined) body.clientToken = clientToken;
  return { stored: { exists: false, version: stored.version, metadata: {} }, messages: [{ op: "delete", response: "accepted", body }] };
}

function update(stored: StoredShadow | undefined, request: ParsedRequest, now: number): ShadowResult {
  const current = stored?.exists ? stored.version : 0;
  if (request.version !== undefined && request.version !== current) throw new ShadowRejection(409, "Version conflict");
  const before: StoredShadow = stored?.exists ? stored : { exists: false, version: stored?.version ?? 0, metadata: {} };
  const next: StoredShadow = { exists: true, version: before.version + 1, desired: clone(before.desired), reported: clone(before.reported), metadata: { desired: clone(before.metadata.desired), reported: clone(before.metadata.reported) } };
  const acceptedMetadata: JsonObject = {};
  for (const section of ["desired", "reported"] as const) {
    const change = request.state![section];
    if (change === undefined) continue;
    if (change === null) {
      delete next[section];
      delete next.metadata[section];
      continue;
    }
    const merged = merge(next[section] ?? {}, next.metadata[section] ?? {}, change, now);
    next[section] = Object.keys(merged.value).length > 0 ? merged.value : undefined;
    next.metadata[section] = Object.keys(merged.metadata).length > 0 ? merged.metadata : undefined;
    acceptedMetadata[section] = stamps(change, now);
  }
  // Stryker disable next-line ConditionalExpression: equivalent, an undefined member is no member in the JSON the shadow is stored and sent as.
  if (!next.desired) delete next.desired;
  // Stryker disable next-line ConditionalExpression: equivalent, as above.
  if (!next.reported) delete next.reported;
  const stateBytes = Buffer.byteLength(JSON.stringify({ desired: next.desired, reported: next.reported }));
  if (stateBytes > MAX_SHADOW_STATE_BYTES) throw new ShadowRejection(413, "The payload exceeds the maximum size allowed");

  const token: JsonObject = request.clientToken !== undefined ? { clientToken: request.clientToken } : {};
  const messages: ShadowMessage[] = [
    { op: "update", response: "accepted", body: { state: request.state as JsonObject, metadata: acceptedMetadata, version: next.version, timestamp: now, ...token } },
    { op: "update", response: "documents", body: { ...(before.exists ? { previous: documentOf(before) } : {}), current: documentOf(next), timestamp: now, ...token } },
  ];
  const delta = shadowDelta(next.desired, next.reported);
  if (delta) messages.push({ op: "update", response: "delta", body: { version: next.version, timestamp: now, state: delta, metadata: pick(next.metadata.desired ?? {}, delta), ...token } });
  return { stored: next, messages };
}

// --- helpers -----------------------------------------------------------------------------

/** Applies `change` to `value` (null deletes a key, objects merge, anything else replaces) and
 * stamps each written leaf in `metadata`. */
function merge(value: JsonObject, metadata: JsonObject, change: JsonObject, now: number): { value: JsonObject; metadata: JsonObject } {
  for (const [key, item] of Object.entries(change)) {
    if (item === null) {
      delete value[key];
      delete metadata[key];
    } else if (isObject(item)) {
      const inner = merge(isObject(value[key]) ? (value[key] as JsonObject) : {}, isObject(metadata[key]) && !("timestamp" in (metadata[key] as JsonObject)) ? (metadata[key] as JsonObject) : {}, item, now);
      value[key] = inner.value;
      metadata[key] = inner.metadata;
    } else {
      value[key] = item;
      metadata[key] = { timestamp: now };
    }
  }
  return { value, metadata };
}

function stamps(change: JsonObject, now: number): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(change)) out[key] = isObject(item) ? stamps(item, now) : { timestamp: now };
  return out;
}

function pick(metadata: JsonObject, shape: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(shape)) {
    const meta = metadata[key];
    // Stryker disable next-line ConditionalExpression: equivalent, an undefined member is no member in the JSON sent.
    if (meta === undefined) continue;
    out[key] = isObject(item) && isObject(meta) ? pick(meta, item) : meta;
  }
  return out;
}

function documentOf(shadow: StoredShadow): JsonObject {
  const state: JsonObject = {};
  if (shadow.desired) state.desired = shadow.desired;
  if (shadow.reported) state.reported = shadow.reported;
  return { state, metadata: metadataOf(shadow), version: shadow.version };
}

function metadataOf(shadow: StoredShadow): JsonObject {
  const metadata: JsonObject = {};
  if (shadow.metadata.desired) metadata.desired = shadow.metadata.desired;
  if (shadow.metadata.reported) metadata.reported = shadow.metadata.reported;
  return metadata;
}

function depth(value: JsonValue): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depth));
  if (isObject(value)) return 1 + Math.max(0, ...Object.values(value).map(depth));
  return 0;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
