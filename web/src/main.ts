/** The dashboard page: loads its configuration, the app build (manifest.json + web.snap, checked
 * against the manifest's sha256) and the Microvium engine, then connects to the broker over MQTT
 * on WebSocket and shows the fleet. Every file is fetched relative to the page, so the same
 * bundle works from `npm start` and from S3/CloudFront. For a quick first paint everything the
 * table needs is asked for at once: configuration, engine, build and the fleet's first pages
 * (which need only the token), instead of one after another. */
import wasmUrl from "../../core/engine/microvium.wasm";
import { loadWasmEngine } from "../../core/engine/wasmEngine";
import type { MicroviumEngine } from "../../core/engine/types";
import { dashboardClientId } from "../../core/policy/clientIds";
import type { Manifest } from "../../core/contracts/manifest";
import { DASHBOARD_LISTING_SEGMENTS, decodeFleetStatusPage, FIRST_SCREEN_ROWS, FLEET_STATUS_PATH, MAX_FLEET_STATUS_PAGE, type FleetSegment, type FleetStatusPage } from "../../core/contracts/fleetStatus";
import { decodeHistoryPage, HISTORY_PATH, type StoredMessage } from "../../core/contracts/history";
import { ApprovalsClient } from "./approvalsClient";
import { callDashboardApi } from "./dashboardApi";
import { AlertBanner } from "./alertBanner";
import { forgetToken, parseDashboardConfig, takeToken, type DashboardConfig } from "./config";
import type { WebApp } from "./deviceCard";
import { Fleet, parseRoute, type FirstScreen } from "./fleet";
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
  // Both files at once: a half-replaced build is caught by the check below either way.
  const [manifestResponse, snapshotResponse] = await Promise.all([fetchOk("manifest.json"), fetchOk("web.snap")]);
  const manifest = (await manifestResponse.json()) as Manifest;
  const expected = manifest.snapshots?.web;
  if (!expected) throw new Error("manifest.json has no web snapshot entry; rebuild with `snapfleet build`");
  const snapshot = new Uint8Array(await snapshotResponse.arrayBuffer());
  const actual = await sha256Hex(snapshot);
  if (snapshot.length !== expected.size || actual !== expected.sha256) {
    throw new Error(`web.snap (sha256 ${actual.slice(0, 12)}, ${snapshot.length} B) does not match manifest.json (${expected.sha256.slice(0, 12)}, ${expected.size} B); the build is being replaced, reload in a moment`);
  }
  return { manifest, snapshot, engine };
}

/** One page of the fleet-status API, served next to the page (locally by the dashboard server,
 * on AWS by CloudFront from the fleet-status Lambda). */
async function fetchStatusPage(token: string, after: string | undefined, segment: FleetSegment | undefined, limit = MAX_FLEET_STATUS_PAGE): Promise<FleetStatusPage> {
  const query = { limit: String(limit), ...(segment ? { segment: String(segment.index), segments: String(segment.count) } : {}), ...(after === undefined ? {} : { after }) };
  return decodeFleetStatusPage(await callDashboardApi(token, "GET", FLEET_STATUS_PATH, query));
}

/** The fleet's first names, one small unsegmented page asked for before anything else: where the
 * store lists in name order (`order: "thing"`), the table's first screen (sorted by name, as it
 * opens) is right before the segments' pages arrive. */
function fetchFirstScreen(token: string): FirstScreen {
  const requestedAt = performance.now();
  const page = fetchStatusPage(token, undefined, undefined, FIRST_SCREEN_ROWS);
  page.catch(() => undefined); // the fleet reports it when it takes the page
  return { page, requestedAt };
}

/** The first page of every segment, requested before anything else is loaded; handed out once
 * (a later listing, after a reconnect, asks the server again), and only after `release()`: by
 * then they have usually all arrived, and taken in the task that draws the first screen, their
 * rows would hold back its paint (by 140 ms of 6,000 rows on a loaded machine). */
function prefetchFirstPages(token: string): {
  fetchPage: (after: string | undefined, segment: FleetSegment) => Promise<FleetStatusPage>;
  /** Settles once every prefetched page has arrived or failed. */
  allArrived: Promise<unknown>;
  release: () => void;
} {
  const first = new Map(Array.from({ length: DASHBOARD_LISTING_SEGMENTS }, (_, index) => [index, fetchStatusPage(token, undefined, { index, count: DASHBOARD_LISTING_SEGMENTS })]));
  // Until the fleet takes them, a failure is the listing's to report, not an unhandled rejection.
  for (const page of first.values()) page.catch(() => undefined);
  const allArrived = Promise.allSettled(first.values());
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const fetchPage = (after: string | undefined, segment: FleetSegment) => {
    const prefetched = after === undefined && segment.count === DASHBOARD_LISTING_SEGMENTS ? first.get(segment.index) : undefined;
    first.delete(segment.index);
    return prefetched ? released.then(() => prefetched) : fetchStatusPage(token, after, segment);
  };
  return { fetchPage, allArrived, release };
}

/** Resolves once the browser has painted what the page shows now: in a task after the next
 * animation frame. A hidden tab paints nothing (and runs no animation frames): at once there. */
function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (document.visibilityState === "hidden") setTimeout(resolve, 0);
    else requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

/** A channel's stored messages (core/contracts/history.ts), with the same token header. */
async function fetchHistory(token: string, thing: string, channel: string, since: number): Promise<StoredMessage[]> {
  return decodeHistoryPage(await callDashboardApi(token, "GET", HISTORY_PATH, { thing, channel, since: String(Math.floor(since)) })).messages;
}

/** The engine as the fleet holds it from the start: the table needs no VM, so the wasm is not
 * even fetched until `start()` (after the table's first screen, or at once for a device page:
 * its fetch and compile would compete with the first screen's requests); the fleet opens a
 * device page once `ready` resolved. */
function engineWhenReady(load: () => Promise<MicroviumEngine>): { engine: MicroviumEngine; ready: Promise<void>; start(): void } {
  let loaded: MicroviumEngine | undefined;
  let start!: () => void;
  const ready = new Promise<void>((resolve) => (start = resolve)).then(load).then((engine) => {
    loaded = engine;
  });
  const engine: MicroviumEngine = {
    restore: (snapshot, imports, options) => {
      if (!loaded) throw new Error("the engine is still loading");
      return loaded.restore(snapshot, imports, options);
    },
  };
  return { engine, ready, start };
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
  // The first screen's page, then the start-up files, then the segments: on HTTP/1.1 (the local
  // server) the browser opens 6 connections per host, and the fleet's pages must not hold them
  // all while the files the first paint needs wait. The engine comes after the first screen.
  const firstScreen = fetchFirstScreen(token);
  const { engine, ready: engineReady, start: startEngine } = engineWhenReady(loadEngine);
  if (parseRoute(location.hash).view !== "fleet") startEngine();
  const loading = Promise.all([fetchOk("dashboard-config.json").then(async (r) => parseDashboardConfig(await r.json(), "dashboard-config.json")), loadApp(engine)]);
  const fleetPages = prefetchFirstPages(token);
  const fatal = (error: unknown) => showFatal(root, `The dashboard could not start: ${(error as Error).message}`);
  let config: DashboardConfig;
  let app: WebApp;
  try {
    [config, app] = await loading;
  } catch (error) {
    fatal(error);
    return;
  }
  engineReady.catch(fatal);
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
      // Once the status subscription is on its way, list the fleet (again: the first listing
      // started before it, for the first paint, and a change in between would be missed), and
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
  fleet = new Fleet(app, {
    app: config.app,
    root,
    link: client,
    reloadApp: () => loadApp(engine),
    fetchStatusPage: fleetPages.fetchPage,
    jobs: new JobsClient(token),
    ...(config.onboarding ? { approvals: new ApprovalsClient(token) } : {}),
    role,
    fetchHistory: (thing, channel, since) => fetchHistory(token, thing, channel, since),
    engineReady,
  });
  const current = fleet;
  current.show(parseRoute(location.hash));
  // The first screen, painted; then the table from the pages asked for at the start (or those
  // first, if they all beat the first screen's page); the listing once online makes it exact.
  const firstScreenShown = current.showFirstScreen(firstScreen);
  void firstScreenShown.finally(startEngine);
  void Promise.race([firstScreenShown, fleetPages.allArrived]).then(afterNextPaint).then(fleetPages.release);
  const firstListing = current.loadFleetStatus().catch((error: unknown) => console.warn(`the fleet list could not be loaded: ${(error as Error).message}`));
  window.addEventListener("hashchange", () => {
    // Another link pasted into this tab (a viewer's replaced by an operator's, say): start over with its token.
    if (new URLSearchParams(location.hash.replace(/^#/, "")).has("token")) {
      takeToken(location, history, sessionStorage);
      location.reload();
      return;
    }
    startEngine(); // a device page needs it, even before the first screen is in
    current.show(parseRoute(location.hash));
  });
  current.subscribe();
  client.start();
  setInterval(() => current.tick(), 1000);
  // OTA states and rollouts come from the jobs API (devices' job topics aren't the dashboard's to
  // read); boards asking to join by claim from the approvals API. After the first listing, whose
  // requests come first.
  void firstListing.then(() => {
    void current.pollJobs();
    void current.pollApprovals();
    setInterval(() => void current.pollJobs(), JOBS_POLL_MS);
    setInterval(() => void current.pollApprovals(), JOBS_POLL_MS);
  });
}

void main();
