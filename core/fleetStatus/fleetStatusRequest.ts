/** The fleet-status API's request handling (core/contracts/fleetStatus.ts), shared by the local
 * dashboard server and the AWS Lambda behind CloudFront: parameter checks, the dashboard token,
 * then one page from whichever store the cloud has. */
import { DEFAULT_FLEET_STATUS_PAGE, encodeFleetStatusPage, MAX_FLEET_STATUS_PAGE, MAX_FLEET_STATUS_SEGMENTS, type FleetSegment, type FleetStatusPage } from "../contracts/fleetStatus";
import { tokenRefusal, type TokenCheck } from "../contracts/dashboardToken";

export interface FleetStatusRequest {
  /** The `x-snapfleet-token` header. */
  token: string | undefined;
  query: { get(name: string): string | null };
}

export interface FleetStatusResponse {
  status: 200 | 400 | 401 | 500;
  body: string;
}

export interface FleetStatusSource {
  verifyToken(token: string | undefined): TokenCheck | Promise<TokenCheck>;
  /** One page of the whole fleet, or of one segment of it. */
  page(after: string | undefined, limit: number, segment?: FleetSegment): Promise<FleetStatusPage>;
}

/** Cursors are thing names locally and DynamoDB keys (also thing names) on AWS. */
const CURSOR_PATTERN = /^[a-z0-9][a-z0-9-]{0,127}$/;

export async function answerFleetStatusRequest(request: FleetStatusRequest, source: FleetStatusSource): Promise<FleetStatusResponse> {
  const fail = (status: 400 | 401 | 500, error: string): FleetStatusResponse => ({ status, body: JSON.stringify({ error }) });
  const check = await source.verifyToken(request.token);
  if (!check.valid) return fail(401, tokenRefusal(check));
  const limitText = request.query.get("limit");
  const limit = limitText === null ? DEFAULT_FLEET_STATUS_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FLEET_STATUS_PAGE) return fail(400, `limit must be an integer from 1 to ${MAX_FLEET_STATUS_PAGE}, got ${JSON.stringify(limitText)}`);
  const after = request.query.get("after") ?? undefined;
  if (after !== undefined && !CURSOR_PATTERN.test(after)) return fail(400, `after must be the "next" cursor of the previous page, got ${JSON.stringify(after.slice(0, 80))}`);
  const segmentText = request.query.get("segment");
  const segmentsText = request.query.get("segments");
  let segment: FleetSegment | undefined;
  if (segmentText !== null || segmentsText !== null) {
    const count = Number(segmentsText);
    const index = Number(segmentText);
    // Stryker disable next-line ConditionalExpression: equivalent: a missing segments is Number(null) = 0, refused by count < 1 as well
    if (segmentsText === null || !Number.isInteger(count) || count < 1 || count > MAX_FLEET_STATUS_SEGMENTS) return fail(400, `segments must be an integer from 1 to ${MAX_FLEET_STATUS_SEGMENTS} (with segment), got ${JSON.stringify(segmentsText)}`);
    if (segmentText === null || !Number.isInteger(index) || index < 0 || index >= count) return fail(400, `segment must be an integer from 0 to ${count - 1} (segments - 1), got ${JSON.stringify(segmentText)}`);
    segment = { index, count };
  }
  try {
    return { status: 200, body: JSON.stringify(encodeFleetStatusPage(await source.page(after, limit, segment))) };
  } catch (error) {
    return fail(500, `fleet status could not be read: ${(error as Error).message}`);
  }
}
