/** The jobs API Lambda (core/contracts/jobsApi.ts) behind CloudFront, through a Lambda function
 * URL (payload format 2.0), like the fleet-status API (lambda/fleetStatus/handler.ts): the
 * dashboard token and its role are checked with the authorizer's key, then AWS IoT answers
 * (iotJobsSource.ts). A viewer's cancel is refused before IoT is called. */
import { verifyDashboardToken } from "../../core/contracts/dashboardToken";
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import { answerJobsRequest, type JobsSource } from "../../core/jobs/jobsApiRequest";
import type { FunctionUrlEvent, FunctionUrlResult } from "../fleetStatus/handler";

export interface JobsApiEvent extends FunctionUrlEvent {
  rawPath?: string;
}

export interface JobsApiConfig {
  app: string;
  /** Jobs of AWS IoT (iotJobsSource) without the token check, which is added here. */
  jobs: (verifyToken: JobsSource["verifyToken"]) => JobsSource;
  loadKey: () => Promise<Uint8Array>;
  now?: () => number;
  /** Where cancels are recorded (CloudWatch in Lambda). */
  log?: (line: string) => void;
}

export function createJobsApi(config: JobsApiConfig) {
  const now = config.now ?? Date.now;
  const log = config.log ?? (() => {});
  const source = config.jobs(async (token) => verifyDashboardToken(await config.loadKey(), config.app, token, now(), "dashboard token signature is wrong (forged, or signed with another key)"));
  return async (event: JobsApiEvent): Promise<FunctionUrlResult> => {
    const method = event.requestContext?.http?.method ?? "GET";
    const path = (event.rawPath ?? "").replace(/^\/+/, "");
    const answer = await answerJobsRequest({ method, path, token: event.headers?.[FLEET_STATUS_TOKEN_HEADER], query: new URLSearchParams(event.rawQueryString ?? "") }, source, config.app);
    if (method === "POST") log(`jobs API: ${path}?${event.rawQueryString ?? ""} answered ${answer.status}`);
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...(answer.allow ? { allow: answer.allow } : {}) };
    return { statusCode: answer.status, headers, body: answer.body };
  };
}
