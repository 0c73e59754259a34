/** The fleet-status Lambdas (components/fleetStatusApi.ts):
 * - `record`: invoked by the IoT topic rule on `sf/{app}/+/_status` with
 *   `{"thing": topic(3), "payload": <base64 of the raw payload>, "receivedAt": timestamp()}`;
 *   applies the message to the thing's item.
 * - `list`: the fleet-status API (core/contracts/fleetStatus.ts) behind CloudFront, through a
 *   Lambda function URL (payload format 2.0); checks the dashboard token like the authorizer. */
import { verifyDashboardToken } from "../../core/contracts/dashboardToken";
import { checkName } from "../../core/contracts/names";
import { decodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { answerFleetStatusRequest } from "../../core/fleetStatus";
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import type { DynamoStatusTable } from "./dynamoStatusTable";

export interface StatusRuleEvent {
  thing?: unknown;
  payload?: unknown;
  receivedAt?: unknown;
}

export interface FunctionUrlEvent {
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

type StatusStore = Pick<DynamoStatusTable, "record" | "page">;

export function createStatusRecorder(config: { table: StatusStore; log?: (line: string) => void }) {
  const log = config.log ?? (() => {});
  return async (event: StatusRuleEvent): Promise<string> => {
    const thing = event.thing;
    const problem = checkName("thing", thing);
    // A malformed event is reported, not retried: the rule engine would only send it again.
    if (problem || typeof event.payload !== "string" || typeof event.receivedAt !== "number") {
      log(`fleet status: ignored a rule event (${problem ?? "payload must be base64 text and receivedAt a number"}): ${JSON.stringify(event).slice(0, 200)}`);
      return "ignored";
    }
    const payload = Buffer.from(event.payload, "base64");
    try {
      if (payload.length > 0) decodeDeviceStatus(payload);
    } catch (error) {
      log(`fleet status: ignored the status of "${String(thing)}": ${(error as Error).message}`);
      return "ignored";
    }
    // Anything else (throttling, access) fails the invocation, so the rule's error action sees it.
    return config.table.record(thing as string, payload, event.receivedAt);
  };
}

export function createFleetStatusApi(config: { app: string; table: StatusStore; loadKey: () => Promise<Uint8Array>; now?: () => number }) {
  const now = config.now ?? Date.now;
  return async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    const headers = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
    if (event.requestContext?.http?.method !== "GET") return { statusCode: 405, headers: { ...headers, allow: "GET" }, body: JSON.stringify({ error: "GET only" }) };
    const answer = await answerFleetStatusRequest(
      { token: event.headers?.[FLEET_STATUS_TOKEN_HEADER], query: new URLSearchParams(event.rawQueryString ?? "") },
      {
        verifyToken: async (token) => verifyDashboardToken(await config.loadKey(), config.app, token, now(), "dashboard token signature is wrong (forged, or signed with another key)"),
        page: (after, limit, segment) => config.table.page(after, limit, segment),
      },
    );
    return { statusCode: answer.status, headers, body: answer.body };
  };
}
