/** How the page calls the dashboard's HTTP APIs (fleet status, history, jobs, approvals): relative
 * to the page (the local dashboard server, or CloudFront in front of the Lambdas), the token in
 * its own header (core/contracts/fleetStatus.ts says why), never cached; an error carries the
 * server's message (a viewer's refused action says which link it needs). */
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import { EMPTY_BODY_SHA256 } from "../../core/contracts/jobsApi";

export async function callDashboardApi(token: string, method: "GET" | "POST", path: string, query: Record<string, string>): Promise<unknown> {
  return readDashboardApiAnswer(await askDashboardApi(token, method, path, query), path);
}

/** The request alone: the answer's body is read (and parsed) by `readDashboardApiAnswer`, which
 * a caller may put off (main.ts: the listing's first pages, asked for early, parsed after the
 * first screen). */
export function askDashboardApi(token: string, method: "GET" | "POST", path: string, query: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { [FLEET_STATUS_TOKEN_HEADER]: token };
  // CloudFront signs a POST for the Lambda origin only with the body's hash from us (jobsApi.ts).
  if (method === "POST") headers["x-amz-content-sha256"] = EMPTY_BODY_SHA256;
  const search = new URLSearchParams(query).toString();
  return fetch(search ? `${path}?${search}` : path, { method, cache: "no-store", headers });
}

export async function readDashboardApiAnswer(response: Response, path: string): Promise<unknown> {
  const body = (await response.json().catch(() => undefined)) as { error?: string } | undefined;
  if (!response.ok) throw new Error(body?.error ?? `${path}: HTTP ${response.status}`);
  return body;
}
