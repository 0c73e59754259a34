/** Serves the dashboard for the local cloud: the static bundle (dist/web-bundle) plus the three
 * run-time files the deployed site gets from the AWS component — dashboard-config.json (made
 * from the running broker), manifest.json and web.snap (read from the build folder on every
 * request, so a rebuild is picked up without a restart). The access token is only in the URL
 * fragment it returns, which browsers never send to this server. */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { cacheControlOf, contentTypeOf, NO_CACHE } from "../../core/contracts/dashboardSiteHeaders";
import type { TokenCheck } from "../../core/contracts/dashboardToken";
import { FLEET_STATUS_PATH, FLEET_STATUS_TOKEN_HEADER, type FleetSegment, type FleetStatusPage } from "../../core/contracts/fleetStatus";
import { answerFleetStatusRequest } from "../../core/fleetStatus";
import { HISTORY_PATH, type StoredMessage } from "../../core/contracts/history";
import type { ChannelDecl } from "../../core/contracts/manifest";
import { answerHistoryRequest, type HistoryQuery } from "../../core/history/historyRequest";
import { answerJobsRequest, isJobsApiPath, type JobsSource } from "../../core/jobs/jobsApiRequest";
import { answerApprovalsRequest, isApprovalsApiPath, type ApprovalsSource } from "../../core/provisioning/approvalsApiRequest";
import type { DashboardRole } from "../../core/contracts/dashboardRoles";

/** What the server needs of the broker (LocalBroker fits). */
export interface DashboardBroker {
  readonly app: string;
  readonly webSocketUrl: string;
  issueDashboardToken(ttlMs?: number, role?: DashboardRole): string;
  /** The fleet-status API (core/contracts/fleetStatus.ts), as the deployed site serves it from DynamoDB. */
  verifyDashboardToken(token: string | undefined): TokenCheck;
  readonly fleetStatus: { page(after: string | undefined, limit: number, segment?: FleetSegment): Promise<FleetStatusPage> };
}

export interface DashboardServerOptions {
  /** dist/web-bundle: index.html + content-hashed files. */
  bundleDir: string;
  /** The `snapfleet build` output: manifest.json + web.snap. */
  buildDir: string;
  broker: DashboardBroker;
  /** The jobs API (core/contracts/jobsApi.ts) for the rollout panel; without it the API answers 404. */
  jobs?: JobsSource;
  /** The approvals API (core/contracts/approvalsApi.ts): pending boards, an operator's approve / deny; absent: 404. */
  approvals?: ApprovalsSource;
  /** Loopback by default: the local cloud is not meant to be reachable from the network. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The history API (core/contracts/history.ts); absent: it answers 404. */
  history?: { channels(): ChannelDecl[]; query(q: HistoryQuery): StoredMessage[] };
}

export interface DashboardServer {
  /** `http://host:port/#token=…`: open this (a viewer link); the token expires with the broker's token TTL. */
  url: string;
  /** The same with an operator token: may also cancel jobs, approve devices, change settings. */
  operatorUrl: string;
  /** Without the token, for logs. */
  origin: string;
  stop(): Promise<void>;
}

/** MQTT user name the page presents with its token (the broker only checks the token). */
export const DASHBOARD_MQTT_USERNAME = "dashboard";

/** Files read from the build folder on each request; never cached by the browser. An allowlist:
 * device.snap in the same folder carries secret values and must never be served. */
const BUILD_FILES = new Set(["manifest.json", "web.snap"]);

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const bundleDir = path.resolve(options.bundleDir);
  const buildDir = path.resolve(options.buildDir);
  if (!fs.existsSync(path.join(bundleDir, "index.html"))) {
    throw new Error(`dashboard: ${bundleDir}/index.html not found; run \`npm run build\` to build the dashboard bundle`);
  }
  if (!fs.existsSync(path.join(buildDir, "manifest.json"))) {
    throw new Error(`dashboard: ${buildDir}/manifest.json not found; run \`snapfleet build <entry> --out ${buildDir}\` first`);
  }
  const { broker } = options;
  const host = options.host ?? "127.0.0.1";
  const wsOrigin = new URL(broker.webSocketUrl).origin;
  const config = JSON.stringify({ app: broker.app, mqtt: { url: broker.webSocketUrl, username: DASHBOARD_MQTT_USERNAME }, ...(options.approvals ? { onboarding: true } : {}) });

  const server = http.createServer((request, response) => {
    const send = (status: number, body: string | Buffer, type: string, cache: string) => {
      response.writeHead(status, {
        "content-type": type,
        "content-length": Buffer.byteLength(body),
        "cache-control": cache,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        // The page talks to this origin and the broker only; wasm needs 'wasm-unsafe-eval'.
        "content-security-policy": `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${wsOrigin}; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'`,
      });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    const notFound = (what: string) => send(404, `${what} not found\n`, "text/plain; charset=utf-8", "no-store");

    const apiPath = request.url === undefined ? "" : request.url.replace(/^\/+/, "").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD" && !isJobsApiPath(apiPath) && !isApprovalsApiPath(apiPath)) {
      response.setHeader("allow", "GET, HEAD");
      send(405, "the dashboard is read-only: GET or HEAD\n", "text/plain; charset=utf-8", "no-store");
      return;
    }
    let name: string;
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://dashboard");
      name = decodeURIComponent(url.pathname).replace(/^\/+/, "") || "index.html";
    } catch {
      send(400, "malformed path\n", "text/plain; charset=utf-8", "no-store");
      return;
    }
    if (name === FLEET_STATUS_PATH) {
      const token = request.headers[FLEET_STATUS_TOKEN_HEADER];
      void answerFleetStatusRequest({ token: typeof token === "string" ? token : undefined, query: url.searchParams }, {
        verifyToken: (t) => broker.verifyDashboardToken(t),
        page: (after, limit, segment) => broker.fleetStatus.page(after, limit, segment),
      }).then((answer) => send(answer.status, answer.body, "application/json; charset=utf-8", "no-store"));
      return;
    }
    if (name === HISTORY_PATH && options.history) {
      const token = request.headers[FLEET_STATUS_TOKEN_HEADER];
      const history = options.history;
      void answerHistoryRequest({ token: typeof token === "string" ? token : undefined, query: url.searchParams }, {
        verifyToken: (t) => broker.verifyDashboardToken(t),
        channels: () => history.channels(),
        query: (q) => history.query(q),
      }).then((answer) => send(answer.status, answer.body, "application/json; charset=utf-8", "no-store"));
      return;
    }
    if (isJobsApiPath(name)) {
      const token = request.headers[FLEET_STATUS_TOKEN_HEADER];
      if (!options.jobs) return send(404, JSON.stringify({ error: "this local cloud runs no jobs service" }), "application/json; charset=utf-8", "no-store");
      // The cancel request has no body; anything sent is drained, not read.
      request.resume();
      void answerJobsRequest({ method: request.method ?? "GET", path: name, token: typeof token === "string" ? token : undefined, query: url.searchParams }, options.jobs, broker.app).then((answer) => {
        if (answer.allow) response.setHeader("allow", answer.allow);
        send(answer.status, answer.body, "application/json; charset=utf-8", "no-store");
      });
      return;
    }
    if (isApprovalsApiPath(name)) {
      const token = request.headers[FLEET_STATUS_TOKEN_HEADER];
      if (!options.approvals) return send(404, JSON.stringify({ error: "this local cloud runs no onboarding by claim" }), "application/json; charset=utf-8", "no-store");
      // Approve and deny have no body; anything sent is drained, not read.
      request.resume();
      void answerApprovalsRequest({ method: request.method ?? "GET", path: name, token: typeof token === "string" ? token : undefined, query: url.searchParams }, options.approvals, broker.app).then((answer) => {
        if (answer.allow) response.setHeader("allow", answer.allow);
        send(answer.status, answer.body, "application/json; charset=utf-8", "no-store");
      });
      return;
    }
    // The bundle is flat: any path with a separator or other odd characters is not ours.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return notFound(name);
    const type = contentTypeOf(name);

    if (name === "dashboard-config.json") return send(200, config, type, NO_CACHE);
    const dir = BUILD_FILES.has(name) ? buildDir : bundleDir;
    let body: Buffer;
    try {
      body = fs.readFileSync(path.join(dir, name));
    } catch {
      return notFound(name);
    }
    send(200, body, type, cacheControlOf(name));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    origin,
    url: `${origin}/#token=${encodeURIComponent(broker.issueDashboardToken())}`,
    operatorUrl: `${origin}/#token=${encodeURIComponent(broker.issueDashboardToken(undefined, "operator"))}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
