/** The history API's request handling (core/contracts/history.ts), shared by the local dashboard
 * server and the AWS Lambda: the dashboard token, then parameter checks against the manifest (a
 * channel without `history` has nothing stored), then one query on whichever store the cloud has. */
import { tokenRefusal, type TokenCheck } from "../contracts/dashboardToken";
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, type StoredMessage } from "../contracts/history";
import type { ChannelDecl } from "../contracts/manifest";
import { NAME_PATTERN } from "../contracts/names";

export interface HistoryRequest {
  /** The `x-snapfleet-token` header. */
  token: string | undefined;
  query: { get(name: string): string | null };
}

export interface HistoryResponse {
  status: 200 | 400 | 401 | 500;
  body: string;
}

export interface HistoryQuery {
  thing: string;
  channel: string;
  since: number;
  limit: number;
}

export interface HistorySource {
  verifyToken(token: string | undefined): TokenCheck | Promise<TokenCheck>;
  /** The deployed app's channels. */
  channels(): ChannelDecl[];
  /** Oldest first: the newest `limit` messages at or after `since`. */
  query(q: HistoryQuery): StoredMessage[] | Promise<StoredMessage[]>;
}

export async function answerHistoryRequest(request: HistoryRequest, source: HistorySource): Promise<HistoryResponse> {
  const fail = (status: 400 | 401 | 500, error: string): HistoryResponse => ({ status, body: JSON.stringify({ error }) });
  const check = await source.verifyToken(request.token);
  if (!check.valid) return fail(401, tokenRefusal(check));
  const q = parseHistoryQuery(request.query, source.channels());
  if (q instanceof Error) return fail(400, q.message);
  try {
    return { status: 200, body: JSON.stringify({ messages: await source.query(q) }) };
  } catch (error) {
    return fail(500, `history could not be read: ${(error as Error).message}`);
  }
}

/** The query's parameters, or an Error saying which is wrong and what it should be. */
export function parseHistoryQuery(params: { get(name: string): string | null }, channels: ChannelDecl[]): HistoryQuery | Error {
  const thing = params.get("thing") ?? "";
  if (!NAME_PATTERN.test(thing)) return new Error(`thing must be a device name, got ${JSON.stringify(thing.slice(0, 80))}`);
  const channel = params.get("channel") ?? "";
  const decl = channels.find((c) => c.name === channel);
  if (!decl) return new Error(`channel ${JSON.stringify(channel.slice(0, 80))} is not a channel of the deployed app`);
  if (!decl.history) return new Error(`channel "${channel}" keeps no history; declare it with { history: { days: N } }`);
  const sinceText = params.get("since");
  // Stryker disable next-line ConditionalExpression: equivalent: Number(null) is 0 too; the test is for the reader
  const since = sinceText === null ? 0 : Number(sinceText);
  if (!Number.isFinite(since) || since < 0) return new Error(`since must be a time in unix milliseconds, got ${JSON.stringify(sinceText)}`);
  const limitText = params.get("limit");
  const limit = limitText === null ? DEFAULT_HISTORY_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) return new Error(`limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}, got ${JSON.stringify(limitText)}`);
  return { thing, channel, since, limit };
}
