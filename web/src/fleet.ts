/** The fleet as the dashboard sees it: at page load the fleet-status API lists every device with
 * its last status (AWS IoT gives a wildcard subscription no retained messages, and 50
 * subscriptions per connection can't name thousands of devices: core/contracts/fleetStatus.ts);
 * after that, status changes arrive live on `sf/{app}/+/_status`, channel data from
 * `sf/{app}/+/+/up` goes to the device's card, and a device that reports an app version the page
 * doesn't have makes it fetch the new build (a rebuild or an OTA update shows up without a reload). */
import { decodeDeviceStatus, type DeviceStatus } from "../../core/contracts/deviceStatus";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { EnvelopeReceiver } from "../../core/contracts/envelopeReceiver";
import { wallClock } from "../../core/contracts/reorderBuffer";
import { parseAppTopic, topics } from "../../core/contracts/topics";
import type { WireValue } from "../../core/contracts/wireValue";
import type { DeviceStatusRecord, FleetStatusPage } from "../../core/contracts/fleetStatus";
import { DeviceCard, type WebApp } from "./deviceCard";
import { FleetSettings } from "./fleetSettings";
import type { LinkState } from "./mqtt/client";
import { html } from "./widgets/svg";

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
  grid: HTMLElement;
  link: FleetLink;
  /** Fetches manifest.json + web.snap again; resolves to undefined when unchanged or unusable. */
  reloadApp(): Promise<WebApp | undefined>;
  /** One page of the fleet-status API (`after`: the previous page's `next`). */
  fetchStatusPage(after: string | undefined): Promise<FleetStatusPage>;
}

export class Fleet {
  private readonly cards = new Map<string, DeviceCard>();
  private readonly empty: HTMLElement;
  /** Versions we already tried to fetch a build for, so a device on an unknown version doesn't
   * make the page refetch on every status message. */
  private readonly versionsTried = new Set<string>();
  /** Envelope ids of this page: `<bootId>:<seq>`, bootId per page load. */
  private readonly numbering = new EnvelopeSender(Math.random().toString(16).slice(2, 10).padEnd(8, "0"));
  /** Device messages once each, a QoS 1 channel's in the device's order (the path devices and the server share). */
  private readonly received = new EnvelopeReceiver<{ thing: string; channelIndex: number }>({
    clock: wallClock,
    deliver: (envelope, { thing, channelIndex }) => this.card(thing).deliver(channelIndex, envelope.v, envelope.t),
    log: (line) => console.warn(line),
  });
  /** Things whose status arrived live since the current listing started: newer than its records. */
  private readonly heardLive = new Set<string>();
  /** Each device's settings shadow (web/src/fleetSettings.ts). */
  private readonly settings: FleetSettings;

  constructor(
    private webApp: WebApp,
    private readonly options: FleetOptions,
  ) {
    this.empty = html("p", { class: "empty" }, "No devices yet. Devices appear here as soon as they connect.");
    options.grid.append(this.empty);
    this.versionsTried.add(webApp.manifest.version);
    this.settings = new FleetSettings(options.app, () => this.webApp.manifest, options.link, (thing) => this.cards.get(thing));
  }

  /** Subscriptions the dashboard policy allows: status and every channel's `up` (2 of AWS's 50). */
  subscribe(): void {
    const { app, link } = this.options;
    link.subscribe(topics.status(app, "+"), 1);
    link.subscribe(topics.up(app, "+", "+"), 1);
    this.settings.subscribe();
  }

  /** Lists the fleet from the fleet-status API, page by page. Call after `subscribe()`, so no
   * change falls between the list and the live messages; a live status wins over a listed one. */
  async loadFleetStatus(): Promise<number> {
    this.heardLive.clear();
    let after: string | undefined;
    let listed = 0;
    for (let pages = 0; pages < MAX_STATUS_PAGES; pages++) {
      const page = await this.options.fetchStatusPage(after);
      for (const record of page.devices) this.onRecord(record);
      listed += page.devices.length;
      if (page.next === undefined || page.next === after) return listed;
      after = page.next;
    }
    console.warn(`fleet status: stopped after ${MAX_STATUS_PAGES} pages (${listed} devices)`);
    return listed;
  }

  receive(topic: string, payload: Uint8Array, retained: boolean): void {
    if (this.settings.receive(topic, payload)) return;
    const parsed = parseAppTopic(topic);
    if (!parsed || parsed.app !== this.options.app) return;
    try {
      if (parsed.kind === "status") this.onStatus(parsed.thing, payload, retained);
      else if (parsed.kind === "up" && parsed.channel) this.onUp(topic, parsed.thing, parsed.channel, payload);
    } catch (error) {
      console.warn(`ignored a message on ${topic}: ${(error as Error).message}`);
    }
  }

  /** Every card's "last seen" is relative to now. */
  tick(): void {
    for (const card of this.cards.values()) card.refreshSeen();
  }

  linkChanged(state: LinkState): void {
    this.options.grid.classList.toggle("stale", state !== "online");
    // Shadow changes made while the link was down are not replayed: ask again.
    if (state === "online") for (const thing of this.cards.keys()) this.settings.requestShadow(thing);
  }

  private onRecord(record: DeviceStatusRecord): void {
    if (this.heardLive.has(record.thing)) return;
    this.showStatus(record.thing, { online: record.online, version: record.version, bootId: record.bootId, t: record.t }, record.receivedAt);
  }

  private onStatus(thing: string, payload: Uint8Array, retained: boolean): void {
    this.heardLive.add(thing);
    if (payload.length === 0) {
      // An empty retained message clears the status: the device was removed from the fleet.
      this.cards.get(thing)?.dispose();
      this.cards.delete(thing);
      this.empty.hidden = this.cards.size > 0;
      return;
    }
    const status = decodeDeviceStatus(payload);
    // A live status is news from now; a retained one (and a last will, whose `t` is when it was
    // registered) only tells when it was written.
    this.showStatus(thing, status, retained ? status.t : Date.now());
  }

  private showStatus(thing: string, status: DeviceStatus, heardAt: number): void {
    this.card(thing).updateStatus(status, heardAt);
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

  private card(thing: string): DeviceCard {
    let card = this.cards.get(thing);
    if (!card) {
      card = new DeviceCard({ thing, sendToDevice: (t, index, value) => this.send(t, index, value), setSetting: (t, name, value) => this.settings.set(t, name, value) });
      card.load(this.webApp);
      this.settings.requestShadow(thing);
      this.cards.set(thing, card);
      // Sorted by name: cards must not jump around as devices come and go.
      const after = [...this.cards.keys()].sort().find((name) => name > thing);
      this.options.grid.insertBefore(card.element, after ? this.cards.get(after)!.element : null);
      this.empty.hidden = true;
    }
    return card;
  }

  private send(thing: string, channelIndex: number, value: WireValue): void {
    const channel = this.webApp.manifest.channels[channelIndex];
    if (!channel) throw new Error(`no channel ${channelIndex} in the manifest`);
    const topic = topics.down(this.options.app, thing, channel.name);
    if (!this.options.link.publish(topic, this.numbering.encode(topic, value, Date.now()), channel.qos)) {
      throw new Error(`not connected: the message to ${thing} on "${channel.name}" was not sent`);
    }
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
    if (next && next.manifest.version !== this.webApp.manifest.version) {
      this.webApp = next;
      this.versionsTried.add(next.manifest.version);
      for (const card of this.cards.values()) card.load(next);
    }
    if (this.webApp.manifest.version !== wanted && attempt < RELOAD_ATTEMPTS) {
      setTimeout(() => void this.reload(wanted, attempt + 1), RELOAD_RETRY_MS);
    }
  }
}
