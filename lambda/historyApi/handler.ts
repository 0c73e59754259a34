/** The history API on AWS (core/contracts/history.ts): the Lambda behind CloudFront's
 * `/api/history*` (a function URL, payload format 2.0), answering exactly as the local dashboard
 * server does (core/history/historyRequest.ts): the dashboard token first, checked with the
 * authorizer's key, then the query against the deployed app's channels, then one DynamoDB Query.
 * Messages past their channel's days are not returned even before DynamoDB's TTL deletes them
 * (TTL deletes "typically within a few days" of expiry). */
import { verifyDashboardToken } from "../../core/contracts/dashboardToken";
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import type { ChannelDecl } from "../../core/contracts/manifest";
import { answerHistoryRequest } from "../../core/history/historyRequest";
import { retentionCutoff } from "../../core/history/retention";
import type { FunctionUrlEvent, FunctionUrlResult } from "../fleetStatus/handler";
import type { DynamoHistoryTable } from "./dynamoHistoryTable";

export interface HistoryApiConfig {
  app: string;
  /** The deployed build's channels (their `history.days`). */
  channels: ChannelDecl[];
  table: Pick<DynamoHistoryTable, "query">;
  loadKey: () => Promise<Uint8Array>;
  now?: () => number;
}

export function createHistoryApi(config: HistoryApiConfig) {
  const now = config.now ?? Date.now;
  return async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    const headers = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
    if (event.requestContext?.http?.method !== "GET") return { statusCode: 405, headers: { ...headers, allow: "GET" }, body: JSON.stringify({ error: "GET only" }) };
    const answer = await answerHistoryRequest(
      { token: event.headers?.[FLEET_STATUS_TOKEN_HEADER], query: new URLSearchParams(event.rawQueryString ?? "") },
      {
        verifyToken: async (token) => verifyDashboardToken(await config.loadKey(), config.app, token, now(), "dashboard token signature is wrong (forged, or signed with another key)"),
        channels: () => config.channels,
        query: (q) => {
          const days = config.channels.find((c) => c.name === q.channel)!.history!.days;
          return config.table.query({ ...q, since: Math.max(q.since, retentionCutoff(now(), days)) });
        },
      },
    );
    return { statusCode: answer.status, headers, body: answer.body };
  };
}
