/** The dashboard after its first screen (the second part of the script, loaded by main.ts once
 * the fleet table's first screen is drawn, or at once for another view): the Microvium engine,
 * the MQTT client, the fleet's listing and live updates, the device page, the rollout and
 * onboarding panels, the routes and the jobs and approvals polling. */
import wasmUrl from "../../core/engine/microvium.wasm";
import { loadWasmEngine } from "../../core/engine/wasmEngine";
import type { MicroviumEngine } from "../../core/engine/types";
import { dashboardClientId } from "../../core/policy/clientIds";
import type { FleetSegment, FleetStatusPage } from "../../core/contracts/fleetStatus";
import { decodeHistoryPage, HISTORY_PATH, type StoredMessage } from "../../core/contracts/history";
import { claimedDashboardRole } from "../../core/contracts/dashboardRoles";
import { ApprovalsClient } from "./approvalsClient";
import { fetchOk, loadAppBuild, type AppBuild } from "./appBuild";
import type { Manifest } from "../../core/contracts/manifest";
import { callDashboardApi } from "./dashboardApi";
import { AlertBanner } from "./alertBanner";
import { forgetToken, takeToken, type DashboardConfig } from "./config";
import type { WebApp } from "./deviceCard";
import { Fleet } from "./fleet";
import { parseRoute, type FleetShell } from "./fleetShell";
import { JobsClient } from "./jobsClient";
import { MqttWebSocketClient, type LinkState } from "./mqtt/client";

/** How often the page reads the jobs (rollout counts; device OTA states when those changed). */
const JOBS_POLL_MS = 3000;
/** How often an open page looks for a dashboard-only rebuild (one small manifest.json GET). */
const BUILD_POLL_MS = 5000;

const LINK_TEXT: Record<LinkState, string> = {
  connecting: "connecting…",
  online: "live",
  offline: "reconnecting…",
  refused: "access refused",
};

/** What the first part (main.ts) hands over. */
export interface DashboardStart {
  root: HTMLElement;
  token: string;
  config: DashboardConfig;
  build: AppBuild;
  /** The layout, table and rows the first screen is drawn in. */
  shell: FleetShell;
  /** One page of one segment of the fleet-status API (the first pages prefetched by main.ts). */
  fetchStatusPage(after: string | undefined, segment: FleetSegment): Promise<FleetStatusPage>;
  /** Shows why the dashboard could not start, in place of the views. */
  fatal(message: string): void;
}

/** A channel's stored messages (core/contracts/history.ts), with the same token header. */
async function fetchHistory(token: string, thing: string, channel: string, since: number): Promise<StoredMessage[]> {
  return decodeHistoryPage(await callDashboardApi(token, "GET", HISTORY_PATH, { thing, channel, since: String(Math.floor(since)) })).messages;
}

/** The engine as the fleet holds it from the start: the table needs no VM; the wasm is fetched
 * and compiled now (after the first screen, whose requests it would compete with); the fleet
 * opens a device page once `ready` resolved. */
function loadingEngine(): { engine: MicroviumEngine; ready: Promise<void> } {
  let loaded: MicroviumEngine | undefined;
  const ready = loadEngine().then((engine) => {
    loaded = engine;
  });
  const engine: MicroviumEngine = {
    restore: (snapshot, imports, options) => {
      if (!loaded) throw new Error("the engine is still loading");
      return loaded.restore(snapshot, imports, options);
    },
  };
  return { engine, ready };
}

async function loadEngine(): Promise<MicroviumEngine> {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`${wasmUrl}: HTTP ${response.status}`);
  return loadWasmEngine(new Uint8Array(await response.arrayBuffer()));
}

export function startDashboard(start: DashboardStart): void {
  const { root, token, config, shell } = start;
  const linkBadge = document.getElementById("link")!;
  const { engine, ready: engineReady } = loadingEngine();
  engineReady.catch((error: unknown) => start.fatal(`The dashboard could not start: ${(error as Error).message}`));
  const app: WebApp = { ...start.build, engine };

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
        start.fatal(`The broker refused this dashboard (${detail}). The access link may have expired: open the link \`npm start\` prints again.`);
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
    reloadApp: async () => ({ ...(await loadAppBuild()), engine }),
    fetchManifest: () => fetchOk("manifest.json").then((response) => response.json() as Promise<Manifest>),
    fetchStatusPage: start.fetchStatusPage,
    jobs: new JobsClient(token),
    ...(config.onboarding ? { approvals: new ApprovalsClient(token) } : {}),
    role,
    fetchHistory: (thing, channel, since) => fetchHistory(token, thing, channel, since),
    engineReady,
    shell,
  });
  const current = fleet;
  current.show(parseRoute(location.hash));
  // The table from the pages main.ts asked for at the start; the listing once online makes it exact.
  const firstListing = current.loadFleetStatus().catch((error: unknown) => console.warn(`the fleet list could not be loaded: ${(error as Error).message}`));
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
  // OTA states and rollouts come from the jobs API (devices' job topics aren't the dashboard's to
  // read); boards asking to join by claim from the approvals API. After the first listing, whose
  // requests come first.
  void firstListing.then(() => {
    void current.pollJobs();
    void current.pollApprovals();
    setInterval(() => void current.pollJobs(), JOBS_POLL_MS);
    setInterval(() => void current.checkBuild(), BUILD_POLL_MS);
    setInterval(() => void current.pollApprovals(), JOBS_POLL_MS);
  });
}
