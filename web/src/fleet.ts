/** The fleet as the dashboard sees it: at page load the fleet-status API lists every device with
 * its last status (AWS IoT gives a wildcard subscription no retained messages, and 50
 * subscriptions per connection can't name thousands of devices: core/contracts/fleetStatus.ts);
 * after that, status changes arrive live on `sf/{app}/+/_status`, channel data and logs on
 * `sf/{app}/+/+/up`, and the jobs API tells each device's OTA state. The page shows three views,
 * chosen by the address fragment: the fleet table (`#`), one device's page (`#device=<name>`)
 * and the rollout panel (`#rollouts`). A device that reports an app version the page doesn't
 * have makes it fetch the new build (a rebuild or an OTA update shows up without a reload). */
import { readStatusMessage, senderLinkUp, type DeviceStatus } from "../../core/contracts/deviceStatus";
import type { DashboardRole } from "../../core/contracts/dashboardRoles";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { EnvelopeReceiver } from "../../core/contracts/envelopeReceiver";
import { wallClock } from "../../core/contracts/reorderBuffer";
import { parseAppTopic, thingOfAppTopic, topics } from "../../core/contracts/topics";
import type { WireValue } from "../../core/contracts/wireValue";
import { DASHBOARD_LISTING_SEGMENTS, type DeviceStatusRecord, type FleetSegment, type FleetStatusPage } from "../../core/contracts/fleetStatus";
import type { Manifest } from "../../core/contracts/manifest";
import { tableChannels } from "./appBuild";
import type { WebApp } from "./deviceCard";
import { DevicePage } from "./devicePage";
import { appendLog, applyStatus, type DeviceRow } from "./fleetRows";
import { FleetShell, type Route } from "./fleetShell";
import type { FleetTable } from "./fleetTable";
import type { HistoryFetch } from "./historyReplay";
import type { JobsClient } from "./jobsClient";
import { FleetSettings } from "./fleetSettings";
import type { LinkState } from "./mqtt/client";
import { RolloutPanel } from "./rolloutPanel";
import type { ApprovalsClient } from "./approvalsClient";
import { ApprovalsPanel } from "./approvalsPanel";
import { html } from "./widgets/svg";

const NO_DEVICES = "No devices yet. Devices appear here as soon as they connect.";
const RELOAD_ATTEMPTS = 5;
const RELOAD_RETRY_MS = 1000;
/** 100 pages of 1,000: ten times the fleet size snapfleet aims at; a server whose cursor never
 * ends can't keep the page loading forever. */
const MAX_STATUS_PAGES = 100;

export interface FleetLink {
  subscribe(topic: string, qos: 0 | 1): void;
  publish(topic: string, payload: string, qos: 0 | 1): boolean;
}

export interface FleetOptions {
  app: string;
  /** Where the views go. */
  root: HTMLElement;
  link: FleetLink;
  /** Fetches manifest.json + web.snap again; resolves to undefined when unchanged or unusable. */
  reloadApp(): Promise<WebApp | undefined>;
  /** Fetches manifest.json alone (checkBuild); absent: only a device's new version reloads the build. */
  fetchManifest?(): Promise<Manifest>;
  /** One page of one segment of the fleet-status API (`after`: the segment's previous page's `next`). */
  fetchStatusPage(after: string | undefined, segment: FleetSegment): Promise<FleetStatusPage>;
  /** The jobs API (OTA column, rollout panel, OTA history); absent: no OTA information. */
  jobs?: JobsClient;
  /** The approvals API (onboarding by claim): the onboarding panel; absent: the cloud has no claims. */
  approvals?: ApprovalsClient;
  /** The link's role, as its token claims it (the servers check it). */
  role: DashboardRole;
  /** Resolves when the app's engine can restore a VM: a device page opens after it (the table
   * needs none). Absent: ready from the start. */
  engineReady?: Promise<void>;
  /** The history API (core/contracts/history.ts): the device page's card loads stored messages first. */
  fetchHistory?: HistoryFetch;
  /** The layout, table and rows the first screen was drawn in (main.ts); absent: made here. */
  shell?: FleetShell;
}

export class Fleet {
  readonly rows: Map<string, DeviceRow>;
  readonly table: FleetTable;
  private readonly shell: FleetShell;
  private readonly rollouts: RolloutPanel | undefined;
  private readonly approvals: ApprovalsPanel | undefined;
  private page: DevicePage | undefined;
  /** Versions we already tried to fetch a build for, so a device on an unknown version doesn't
   * make the page refetch on every status message. */
  private readonly versionsTried = new Set<string>();
  /** Envelope ids of this page: `<bootId>:<seq>`, bootId per page load. */
  private readonly numbering = new EnvelopeSender(Math.random().toString(16).slice(2, 10).padEnd(8, "0"));
  /** Device messages once each, a QoS 1 channel's in the device's order (the path devices and the server share). */
  private readonly received = new EnvelopeReceiver<{ thing: string; channelIndex: number }>({
    clock: wallClock,
    deliver: (envelope, { thing, channelIndex }) => this.onValue(thing, channelIndex, envelope.v, envelope.t, envelope.id),
    log: (line) => console.warn(line),
    // A device's status says when its own link falls and comes back (onStatus): its gaps wait for it.
    senderOf: thingOfAppTopic,
  });
  /** The newest job and its counts when its executions were last read. */
  private otaSeen = "";
  private route: Route = { view: "fleet" };
  private engineLoaded: boolean;
  private listing: Promise<number> | undefined;
  private listingQueued: Promise<number> | undefined;
  /** A whole listing came in: a device it didn't have, and not heard from since, is no device
   * of this fleet (a mistyped or stale `#device=` link). */
  private listedAll = false;
  /** Each device's settings shadow (web/src/fleetSettings.ts). */
  private readonly settings: FleetSettings;

  constructor(
    private webApp: WebApp,
    private readonly options: FleetOptions,
  ) {
    this.versionsTried.add(webApp.manifest.version);
    this.engineLoaded = options.engineReady === undefined;
    void options.engineReady?.then(
      () => (this.engineLoaded = true),
      () => undefined,
    );
    this.shell = options.shell ?? new FleetShell({ root: options.root, channels: tableChannels(webApp.manifest), currentVersion: webApp.manifest.version, rollouts: options.jobs !== undefined, approvals: options.approvals !== undefined });
    this.rows = this.shell.rows;
    this.table = this.shell.table;
    if (options.jobs) this.rollouts = new RolloutPanel(options.jobs, options.role, () => void this.pollJobs());
    if (options.approvals) this.approvals = new ApprovalsPanel(options.approvals, options.role, () => void this.pollApprovals());
    this.show({ view: "fleet" });
    this.settings = new FleetSettings(options.app, () => this.webApp.manifest, options.link, options.role, (thing) => (this.page?.thing === thing ? this.page.card : undefined));
  }

  /** Subscriptions the dashboard policy allows: status and every channel's `up` (2 of AWS's 50). */
  subscribe(): void {
    const { app, link } = this.options;
    link.subscribe(topics.status(app, "+"), 1);
    link.subscribe(topics.up(app, "+", "+"), 1);
    this.settings.subscribe();
  }

  /** Switches the view (the address fragment changed). */
  show(route: Route): void {
    if (this.page && (route.view !== "device" || route.thing !== this.page.thing)) {
      this.page.dispose();
      this.page = undefined;
    }
    this.shell.markTab(route.view);
    this.route = route;
    const { views } = this.shell;
    if (route.view === "device" && !this.engineLoaded) {
      views.replaceChildren(html("p", { class: "empty" }, `Loading ${route.thing}'s controls…`));
      // Opened again once the engine is in, if the page still asks for this device.
      void this.options.engineReady?.then(
        () => {
          this.engineLoaded = true;
          if (this.route === route) this.show(route);
        },
        () => undefined, // the page reports a failed engine (main.ts)
      );
    } else if (route.view === "device") {
      this.page ??= this.openPage(route.thing);
      views.replaceChildren(this.page.element);
      this.checkPageThing();
    } else if (route.view === "rollouts" && this.rollouts) {
      views.replaceChildren(this.rollouts.element);
      void this.pollJobs();
    } else if (route.view === "approvals" && this.approvals) {
      views.replaceChildren(this.approvals.element);
      void this.pollApprovals();
    } else {
      this.shell.showTable();
    }
  }

  /** Lists the fleet from the fleet-status API, page by page. Call after `subscribe()`, so no
   * change falls between the list and the live messages; a live status wins over a listed one. */
  loadFleetStatus(): Promise<number> {
    // One listing at a time; a request meanwhile (a reconnect) runs once it is done, so two
    // listings don't share the browser's connections and a burst of reconnects lists once more.
    if (!this.listing) {
      this.listing = this.listFleet().finally(() => {
        this.listing = undefined;
        this.shell.empty.textContent = NO_DEVICES;
      });
      return this.listing;
    }
    this.listingQueued ??= this.listing
      .catch(() => 0)
      .then(() => {
        this.listingQueued = undefined;
        return this.loadFleetStatus();
      });
    return this.listingQueued;
  }

  private async listFleet(): Promise<number> {
    const budget = { pages: MAX_STATUS_PAGES };
    const counts = await Promise.all(Array.from({ length: DASHBOARD_LISTING_SEGMENTS }, (_, index) => this.loadSegment({ index, count: DASHBOARD_LISTING_SEGMENTS }, budget)));
    const listed = counts.reduce((a, b) => a + b, 0);
    if (budget.pages < 0) console.warn(`fleet status: stopped after ${MAX_STATUS_PAGES} pages (${listed} devices)`);
    else this.listedAll = true;
    this.checkPageThing();
    // Every device is in: ordered and counted now, not in a frame that the next listing's pages
    // (parsed as they arrive) would delay, nor after the live-update throttle.
    if (this.route.view === "fleet") this.table.renderNow();
    else this.table.changedAll();
    return listed;
  }

  /** One segment, page after page; each page's rows show as soon as it arrives, and the next
   * page is asked for before they are added, so the server works while the page does. */
  private async loadSegment(segment: FleetSegment, budget: { pages: number }): Promise<number> {
    let listed = 0;
    let after: string | undefined;
    let requestedAt = performance.now();
    let request = this.options.fetchStatusPage(undefined, segment);
    budget.pages--;
    for (;;) {
      const page = await request;
      const pageRequestedAt = requestedAt;
      // A cursor that repeats or a budget spent (shared by the segments) ends the segment.
      const more = page.next !== undefined && page.next !== after && budget.pages-- > 0;
      if (more) {
        after = page.next;
        requestedAt = performance.now();
        request = this.options.fetchStatusPage(after, segment);
      }
      for (const record of page.devices) this.onRecord(record, pageRequestedAt);
      listed += page.devices.length;
      if (!more) return listed;
    }
  }

  /** Reads the jobs: the rollout panel's counts, and each device's state in the newest job
   * (read again only when that job's counts changed). */
  async pollJobs(): Promise<void> {
    const client = this.options.jobs;
    if (!client) return;
    let jobs;
    try {
      jobs = await client.listJobs();
    } catch (error) {
      this.rollouts?.showError(`The jobs could not be read: ${(error as Error).message}`);
      return;
    }
    this.rollouts?.show(jobs);
    const newest = jobs[0];
    const seen = newest ? `${newest.jobId} ${newest.status} ${JSON.stringify(newest.counts)}` : "";
    if (seen === this.otaSeen) return;
    this.otaSeen = seen;
    if (!newest) return;
    const executions = await client.allExecutions(newest.jobId).catch((error: Error) => {
      console.warn(`OTA states could not be read: ${error.message}`);
      return [];
    });
    for (const e of executions) {
      const detail = e.status === "IN_PROGRESS" ? e.statusDetails?.step : undefined;
      this.row(e.thing).ota = detail ? `${e.status} ${detail}` : e.status;
    }
    this.table.changed();
    void this.page?.loadHistory();
  }

  /** Reads the boards asking to join: the onboarding panel, and the pending count on its tab. */
  async pollApprovals(): Promise<void> {
    const client = this.options.approvals;
    if (!client) return;
    try {
      const devices = await client.list();
      this.approvals?.show(devices);
      const pending = devices.filter((d) => d.state === "pending").length;
      this.shell.tabs.approvals.textContent = pending ? `Onboarding (${pending} pending)` : "Onboarding";
    } catch (error) {
      this.approvals?.showError(`The boards asking to join could not be read: ${(error as Error).message}`);
    }
  }

  receive(topic: string, payload: Uint8Array, retained: boolean): void {
    if (this.settings.receive(topic, payload)) return;
    const parsed = parseAppTopic(topic);
    if (!parsed || parsed.app !== this.options.app) return;
    try {
      if (parsed.kind === "status") this.onStatus(parsed.thing, payload, retained);
      else if (parsed.kind === "log") this.onLog(parsed.thing, payload);
      else if (parsed.kind === "up" && parsed.channel) this.onUp(topic, parsed.thing, parsed.channel, payload);
    } catch (error) {
      console.warn(`ignored a message on ${topic}: ${(error as Error).message}`);
    }
  }

  /** "Last seen" is relative to now. */
  tick(): void {
    this.table.refresh();
    this.page?.card.refreshSeen();
  }

  linkChanged(state: LinkState): void {
    this.options.root.classList.toggle("stale", state !== "online");
    // The broker replays the session after a reconnect: a gap's wait counts from there.
    this.received.linkChanged(state === "online");
    // Shadow changes made while the link was down are not replayed: ask again.
    if (state === "online" && this.page) this.settings.requestShadow(this.page.thing);
  }

  // --- incoming ---------------------------------------------------------------------------------

  private onRecord(record: DeviceStatusRecord, requestedAt: number): void {
    if (this.shell.heardSince(record.thing, requestedAt)) return;
    this.showStatus(record.thing, { online: record.online, version: record.version, bootId: record.bootId, t: record.t }, record.receivedAt);
  }

  private onStatus(thing: string, payload: Uint8Array, retained: boolean): void {
    this.shell.heardLive.set(thing, performance.now());
    const message = readStatusMessage(payload);
    this.received.senderLinkChanged(thing, senderLinkUp(message));
    if (message.removed) {
      this.rows.delete(thing);
      this.table.changed();
      return;
    }
    // A live status is news from now; a retained one (and a last will, whose `t` is when it was
    // registered) only tells when it was written.
    this.showStatus(thing, message.status, retained ? message.status.t : Date.now());
  }

  private showStatus(thing: string, status: DeviceStatus, heardAt: number): void {
    const row = this.row(thing);
    if (this.page?.thing === thing) this.page.showUnknown(false);
    if (!applyStatus(row, status, heardAt)) return;
    this.table.changed();
    // The row's view: a last will (version "") keeps the version the card shows.
    if (this.page?.thing === thing) this.page.card.updateStatus({ online: row.online, version: row.version, bootId: row.bootId, t: row.statusT }, heardAt);
    if (status.version && !this.versionsTried.has(status.version)) {
      this.versionsTried.add(status.version);
      void this.reload(status.version);
    }
  }

  private onUp(topic: string, thing: string, channelName: string, payload: Uint8Array): void {
    const channelIndex = this.webApp.manifest.channels.findIndex((c) => c.name === channelName);
    if (channelIndex < 0) return; // a channel of another app version
    this.received.receive(topic, this.webApp.manifest.channels[channelIndex].qos, payload, { thing, channelIndex });
  }

  private onValue(thing: string, channelIndex: number, value: WireValue, sentAt: number, id?: string): void {
    const row = this.row(thing);
    const t = Math.min(sentAt, Date.now());
    row.values.set(this.webApp.manifest.channels[channelIndex].name, { value, t });
    row.lastSeen = Math.max(row.lastSeen, t);
    this.table.changed();
    if (this.page?.thing === thing) this.page.card.deliver(channelIndex, value, sentAt, id);
  }

  /** Log lines are `{"t": ms, "msg": "...", "from"?: "..."}` (firmware/supervisor.ts). */
  private onLog(thing: string, payload: Uint8Array): void {
    const line = JSON.parse(new TextDecoder().decode(payload)) as { t?: unknown; msg?: unknown; from?: unknown };
    if (typeof line.msg !== "string") throw new Error("a log line needs a msg");
    const t = typeof line.t === "number" ? Math.min(line.t, Date.now()) : Date.now();
    const text = typeof line.from === "string" ? `[${line.from}] ${line.msg}` : line.msg;
    const row = this.row(thing);
    appendLog(row, t, text);
    row.lastSeen = Math.max(row.lastSeen, t);
    this.table.changed();
    if (this.page?.thing === thing) this.page.appendLog(t, text);
  }

  // --- internals ----------------------------------------------------------------------------

  private row(thing: string): DeviceRow {
    return this.shell.row(thing);
  }

  /** Says on the open page when the fleet has no such device; a status from it takes that back. */
  private checkPageThing(): void {
    if (this.page && this.listedAll) this.page.showUnknown(!this.rows.has(this.page.thing));
  }

  /** The device's page, its card started on the current build and shown what is known already. */
  private openPage(thing: string): DevicePage {
    const row = this.rows.get(thing);
    const page = new DevicePage(thing, { thing, sendToDevice: (t, index, value) => this.send(t, index, value), fetchHistory: this.options.fetchHistory, setSetting: (t, name, value) => this.settings.set(t, name, value) }, row, this.options.jobs);
    page.card.load(this.webApp);
    this.settings.requestShadow(thing);
    if (row) {
      page.card.updateStatus({ online: row.online, version: row.version, bootId: row.bootId, t: row.statusT }, row.lastSeen);
      // The last value of each channel, so the controls don't start empty (a history channel's
      // stored messages, the last one included, come from the card's replay instead).
      this.webApp.manifest.channels.forEach((channel, index) => {
        const last = row.values.get(channel.name);
        if (last && !(channel.history && this.options.fetchHistory)) page.card.deliver(index, last.value, last.t);
      });
    }
    return page;
  }

  private send(thing: string, channelIndex: number, value: WireValue): void {
    const channel = this.webApp.manifest.channels[channelIndex];
    if (!channel) throw new Error(`no channel ${channelIndex} in the manifest`);
    const topic = topics.down(this.options.app, thing, channel.name);
    if (!this.options.link.publish(topic, this.numbering.encode(topic, value, Date.now()), channel.qos)) {
      throw new Error(`not connected: the message to ${thing} on "${channel.name}" was not sent`);
    }
  }

  /** A rebuild that changed only the dashboard's code keeps the app version, so no device reports
   * anything new: the page asks for the manifest now and then, and loads a changed web snapshot. */
  async checkBuild(): Promise<void> {
    const manifest = await this.options.fetchManifest?.().catch(() => undefined);
    if (manifest?.snapshots?.web && !sameBuild(manifest, this.webApp.manifest)) void this.reload(manifest.version);
  }

  /** Fetches the build again until it is the one the device reported: a rebuild writes
   * manifest.json and web.snap one after the other, and a device may report an OTA version
   * a moment before the site is updated. Gives up after a few tries (the next unknown version
   * starts over). */
  private async reload(wanted: string, attempt = 1): Promise<void> {
    const next = await this.options.reloadApp().catch((error: unknown) => {
      console.warn(`could not load the new dashboard build: ${(error as Error).message}`);
      return undefined;
    });
    if (next && !sameBuild(next.manifest, this.webApp.manifest)) {
      this.webApp = next;
      this.versionsTried.add(next.manifest.version);
      this.table.setChannels(tableChannels(this.webApp.manifest), next.manifest.version);
      this.page?.card.load(next);
    }
    if (this.webApp.manifest.version !== wanted && attempt < RELOAD_ATTEMPTS) {
      setTimeout(() => void this.reload(wanted, attempt + 1), RELOAD_RETRY_MS);
    }
  }
}

/** The same app version and web snapshot: nothing for the page to load. */
function sameBuild(a: Manifest, b: Manifest): boolean {
  return a.version === b.version && a.snapshots.web.sha256 === b.snapshots.web.sha256;
}
