/** The dashboard page: loads its configuration, the app build (manifest.json + web.snap, checked
 * against the manifest's sha256) and the Microvium engine, then connects to the broker over MQTT
 * on WebSocket and shows the fleet. Every file is fetched relative to the page, so the same
 * bundle works from `npm start` and from S3/CloudFront. */
import wasmUrl from "../../core/engine/microvium.wasm";
import { loadWasmEngine } from "../../core/engine/wasmEngine";
import type { MicroviumEngine } from "../../core/engine/types";
import { dashboardClientId } from "../../core/policy/clientIds";
import type { Manifest } from "../../core/contracts/manifest";
import { decodeFleetStatusPage, FLEET_STATUS_PATH, FLEET_STATUS_TOKEN_HEADER, MAX_FLEET_STATUS_PAGE, type FleetStatusPage } from "../../core/contracts/fleetStatus";
import { decodeHistoryPage, HISTORY_PATH, type StoredMessage } from "../../core/contracts/history";
import { AlertBanner } from "./alertBanner";
import { forgetToken, parseDashboardConfig, takeToken, type DashboardConfig } from "./config";
import type { WebApp } from "./deviceCard";
import { Fleet, parseRoute } from "./fleet";
import { JobsClient } from "./jobsClient";
import { claimedDashboardRole } from "../../core/contracts/dashboardRoles";
import { MqttWebSocketClient, type LinkState } from "./mqtt/client";
import { html } from "./widgets/svg";

/** How often the page reads the jobs (rollout counts; device OTA states when those changed). */
const JOBS_POLL_MS = 3000;

async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(path, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** manifest.json and the web snapshot it names; refused if the snapshot is not the one the
 * manifest describes (half-deployed site, cache mix-up), before the engine sees it. */
async function loadApp(engine: MicroviumEngine): Promise<WebApp> {
  const manifest = (await (await fetchOk("manifest.json")).json()) as Manifest;
  const expected = manifest.snapshots?.web;
  if (!expected) throw new Error("manifest.json has no web snapshot entry; rebuild with `snapfleet build`");
  const snapshot = new Uint8Array(await (await fetchOk("web.snap")).arrayBuffer());
  const actual = await sha256Hex(snapshot);
  if (snapshot.length !== expected.size || actual !== expected.sha256) {
    throw new Error(`web.snap (sha256 ${actual.slice(0, 12)}, ${snapshot.length} B) does not match manifest.json (${expected.sha256.slice(0, 12)}, ${expected.size} B); the build is being replaced, reload in a moment`);
  }
  return { manifest, snapshot, engine };
}

/** One page of the fleet-status API, served next to the page (locally by the dashboard server,
 * on AWS by CloudFront from the fleet-status Lambda). */
async function fetchStatusPage(token: string, after: string | undefined): Promise<FleetStatusPage> {
  const query = new URLSearchParams({ limit: String(MAX_FLEET_STATUS_PAGE), ...(after === undefined ? {} : { after }) });
  const response = await fetch(`${FLEET_STATUS_PATH}?${query}`, { cache: "no-store", headers: { [FLEET_STATUS_TOKEN_HEADER]: token } });
  const body = (await response.json().catch(() => undefined)) as { error?: string } | undefined;
  if (!response.ok) throw new Error(`${FLEET_STATUS_PATH}: HTTP ${response.status}${body?.error ? `: ${body.error}` : ""}`);
  return decodeFleetStatusPage(body);
}

/** A channel's stored messages (core/contracts/history.ts), with the same token header. */
async function fetchHistory(token: string, thing: string, channel: string, since: number): Promise<StoredMessage[]> {
  const query = new URLSearchParams({ thing, channel, since: String(Math.floor(since)) });
  const response = await fetch(`${HISTORY_PATH}?${query}`, { cache: "no-store", headers: { [FLEET_STATUS_TOKEN_HEADER]: token } });
  const body = (await response.json().catch(() => undefined)) as { error?: string } | undefined;
  if (!response.ok) throw new Error(`${HISTORY_PATH}: HTTP ${response.status}${body?.error ? `: ${body.error}` : ""}`);
  return decodeHistoryPage(body).messages;
}

async function loadEngine(): Promise<MicroviumEngine> {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`${wasmUrl}: HTTP ${response.status}`);
  return loadWasmEngine(new Uint8Array(await response.arrayBuffer()));
}

function showFatal(root: HTMLElement, message: string): void {
  root.replaceChildren(html("div", { class: "fatal", role: "alert" }, message));
}

const LINK_TEXT: Record<LinkState, string> = {
  connecting: "connecting…",
  online: "live",
  offline: "reconnecting…",
  refused: "access refused",
};

async function main(): Promise<void> {
  const root = document.getElementById("fleet")!;
  const linkBadge = document.getElementById("link")!;
  const appName = document.getElementById("app-name")!;
  const token = takeToken(location, history, sessionStorage);
  if (!token) {
    showFatal(root, "No access token. Open the dashboard with the link `npm start` (or your deployment) prints; it ends in #token=….");
    return;
  }
  let config: DashboardConfig;
  let engine: MicroviumEngine;
  let app: WebApp;
  try {
    config = parseDashboardConfig(await (await fetchOk("dashboard-config.json")).json(), "dashboard-config.json");
    engine = await loadEngine();
    app = await loadApp(engine);
  } catch (error) {
    showFatal(root, `The dashboard could not start: ${(error as Error).message}`);
    return;
  }
  appName.textContent = config.app;
  document.title = `${config.app} · snapfleet`;

  let fleet: Fleet | undefined;
  const alerts = new AlertBanner(config.app);
  root.before(alerts.element);
  const client = new MqttWebSocketClient({
    url: config.mqtt.url,
    clientId: dashboardClientId(config.app, Math.random().toString(36).slice(2, 12)),
    username: config.mqtt.username,
    password: token,
    onMessage: (topic, payload, retained) => {
      if (!alerts.receive(topic, payload)) fleet?.receive(topic, payload, retained);
    },
    onStateChange: (state, detail) => {
      linkBadge.textContent = LINK_TEXT[state];
      linkBadge.dataset.state = state;
      linkBadge.title = detail ?? "";
      fleet?.linkChanged(state);
      // Once the status subscription is on its way, list the fleet: devices that are offline now
      // (or quiet) appear from the list, and live status keeps it current from here on. Again
      // after every reconnect: status messages sent while the link was down are not replayed.
      if (state === "online" && fleet) {
        fleet.loadFleetStatus().catch((error: unknown) => console.warn(`the fleet list could not be loaded: ${(error as Error).message}`));
      }
      if (state === "refused") {
        showFatal(root, `The broker refused this dashboard (${detail}). The access link may have expired: open the link \`npm start\` prints again.`);
        forgetToken(sessionStorage);
      }
    },
  });
  const role = claimedDashboardRole(token);
  document.getElementById("role")?.replaceChildren(role);
  fleet = new Fleet(app, { app: config.app, root, link: client, reloadApp: () => loadApp(engine), fetchStatusPage: (after) => fetchStatusPage(token, after), jobs: new JobsClient(token), role, fetchHistory: (thing, channel, since) => fetchHistory(token, thing, channel, since) });
  const current = fleet;
  current.show(parseRoute(location.hash));
  window.addEventListener("hashchange", () => {
    // Another link pasted into this tab (a viewer's replaced by an operator's, say): start over with its token.
    if (new URLSearchParams(location.hash.replace(/^#/, "")).has("token")) {
      takeToken(location, history, sessionStorage);
      location.reload();
      return;
    }
    current.show(parseRoute(location.hash));
  });
  current.subscribe();
  client.start();
  setInterval(() => current.tick(), 1000);
  // OTA states and rollouts come from the jobs API (devices' job topics aren't the dashboard's to read).
  void current.pollJobs();
  setInterval(() => void current.pollJobs(), JOBS_POLL_MS);
}

void main();
