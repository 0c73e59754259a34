/** The dashboard page's first part: what the fleet view's first screen needs, and no more. It
 * asks at once for the fleet's first names (they need only the token), its configuration and the
 * app build (preloaded by page/index.html while this script loads), draws the table's first screen
 * and only then loads the rest of the dashboard (startDashboard.ts: engine, MQTT, live updates,
 * device page, rollout and onboarding panels), which takes the table over. Every file is fetched
 * relative to the page, so the same bundle works from `npm start` and from S3/CloudFront. */
import { DASHBOARD_LISTING_SEGMENTS, decodeFleetStatusPage, FIRST_SCREEN_ROWS, FLEET_STATUS_PATH, MAX_FLEET_STATUS_PAGE, type FleetSegment, type FleetStatusPage } from "../../core/contracts/fleetStatus";
import { fetchOk, startLoadingAppBuild, tableChannels } from "./appBuild";
import { askDashboardApi, readDashboardApiAnswer } from "./dashboardApi";
import { parseDashboardConfig, takeToken } from "./config";
import { FleetShell, parseRoute, type FirstScreen } from "./fleetShell";
import { html } from "./widgets/svg";

/** One page of the fleet-status API, served next to the page (locally by the dashboard server,
 * on AWS by CloudFront from the fleet-status Lambda): asked for now, read by `readStatusPage`. */
function askStatusPage(token: string, after: string | undefined, segment: FleetSegment | undefined, limit = MAX_FLEET_STATUS_PAGE): Promise<Response> {
  const query = { limit: String(limit), ...(segment ? { segment: String(segment.index), segments: String(segment.count) } : {}), ...(after === undefined ? {} : { after }) };
  return askDashboardApi(token, "GET", FLEET_STATUS_PATH, query);
}

async function readStatusPage(response: Promise<Response>): Promise<FleetStatusPage> {
  return decodeFleetStatusPage(await readDashboardApiAnswer(await response, FLEET_STATUS_PATH));
}

function fetchStatusPage(token: string, after: string | undefined, segment: FleetSegment | undefined, limit = MAX_FLEET_STATUS_PAGE): Promise<FleetStatusPage> {
  return readStatusPage(askStatusPage(token, after, segment, limit));
}

/** The fleet's first names, one small unsegmented page asked for before anything else: where the
 * store lists in name order (`order: "thing"`), the table's first screen (sorted by name, as it
 * opens) is right before the segments' pages arrive. */
function fetchFirstScreen(token: string): FirstScreen {
  const requestedAt = performance.now();
  const page = fetchStatusPage(token, undefined, undefined, FIRST_SCREEN_ROWS);
  page.catch(() => undefined); // the shell reports it when it takes the page
  return { page, requestedAt };
}

/** The first page of every segment, requested before anything else is loaded; handed out once
 * (a later listing, after a reconnect, asks the server again), and read only after `release()`:
 * the server answers meanwhile, but parsed as they arrive (6,000 rows) or taken in the task that
 * draws the first screen, they would hold back its paint (by 140 ms on a loaded machine). */
function prefetchFirstPages(token: string): {
  fetchPage: (after: string | undefined, segment: FleetSegment) => Promise<FleetStatusPage>;
  /** Settles once every prefetched page has been answered (or failed). */
  allArrived: Promise<unknown>;
  release: () => void;
} {
  const first = new Map(Array.from({ length: DASHBOARD_LISTING_SEGMENTS }, (_, index) => [index, askStatusPage(token, undefined, { index, count: DASHBOARD_LISTING_SEGMENTS })]));
  // Until the fleet takes them, a failure is the listing's to report, not an unhandled rejection.
  for (const page of first.values()) page.catch(() => undefined);
  const allArrived = Promise.allSettled(first.values());
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const fetchPage = (after: string | undefined, segment: FleetSegment) => {
    const prefetched = after === undefined && segment.count === DASHBOARD_LISTING_SEGMENTS ? first.get(segment.index) : undefined;
    first.delete(segment.index);
    return prefetched ? released.then(() => readStatusPage(prefetched)) : fetchStatusPage(token, after, segment);
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

function showFatal(root: HTMLElement, message: string): void {
  root.replaceChildren(html("div", { class: "fatal", role: "alert" }, message));
}

async function main(): Promise<void> {
  const root = document.getElementById("fleet")!;
  const token = takeToken(location, history, sessionStorage);
  if (!token) {
    showFatal(root, "No access token. Open the dashboard with the link `npm start` (or your deployment) prints; it ends in #token=….");
    return;
  }
  // The first screen's page, then the start-up files, then the segments: on HTTP/1.1 (the local
  // server) the browser opens 6 connections per host, and the fleet's pages must not hold them
  // all while the files the first paint needs wait.
  const firstScreen = fetchFirstScreen(token);
  const appBuild = startLoadingAppBuild();
  const loading = Promise.all([fetchOk("dashboard-config.json").then(async (r) => parseDashboardConfig(await r.json(), "dashboard-config.json")), appBuild.manifest]);
  const fleetPages = prefetchFirstPages(token);
  // The rest of the dashboard: at once for a device page or a panel (or a click on a row before
  // the first screen is in), else once the table's first screen is drawn.
  let rest: Promise<typeof import("./startDashboard")> | undefined;
  let restAsked!: () => void;
  const restWanted = new Promise<void>((resolve) => (restAsked = resolve));
  const loadRest = () => {
    restAsked();
    return (rest ??= import("./startDashboard"));
  };
  if (parseRoute(location.hash).view !== "fleet") void loadRest();
  const onRouteChange = () => void loadRest();
  window.addEventListener("hashchange", onRouteChange);
  const fatal = (message: string) => showFatal(root, message);
  try {
    // The table needs the manifest's channels and version; the snapshot is checked meanwhile.
    const [config, manifest] = await loading;
    document.getElementById("app-name")!.textContent = config.app;
    document.title = `${config.app} · snapfleet`;
    const shell = new FleetShell({ root, channels: tableChannels(manifest), currentVersion: manifest.version, rollouts: true, approvals: config.onboarding === true });
    if (parseRoute(location.hash).view === "fleet") {
      shell.markTab("fleet");
      shell.showTable();
    }
    // The first screen, drawn; then the rest, and the table from the pages asked for at the start
    // (or those first, if they all beat the first screen's page) once that is painted.
    const handOver = Promise.race([shell.showFirstScreen(firstScreen), fleetPages.allArrived]);
    void handOver.then(afterNextPaint).then(fleetPages.release);
    await Promise.race([handOver, restWanted]);
    const [{ startDashboard }, build] = await Promise.all([loadRest(), appBuild.build]);
    window.removeEventListener("hashchange", onRouteChange);
    startDashboard({ root, token, config, build, shell, fetchStatusPage: fleetPages.fetchPage, fatal });
  } catch (error) {
    fatal(`The dashboard could not start: ${(error as Error).message}`);
  }
}

void main();
