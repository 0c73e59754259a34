/** What the fleet view's first screen needs, in the dashboard script's first chunk (main.ts):
 * the page's layout (view tabs, the view, the table), the devices' rows and the first screen's
 * records. The rest of the dashboard (fleet.ts: live updates, listing, device page, rollout and
 * onboarding panels) arrives after the first screen is drawn and takes these over. */
import { checkName } from "../../core/contracts/names";
import type { DeviceStatusRecord, FleetStatusPage } from "../../core/contracts/fleetStatus";
import { applyStatus, newRow, type DeviceRow } from "./fleetRows";
import { FleetTable } from "./fleetTable";
import { html } from "./widgets/svg";

export type Route = { view: "fleet" } | { view: "device"; thing: string } | { view: "rollouts" } | { view: "approvals" };

/** `#device=gh-1` → that device's page, `#rollouts` → the rollout panel, `#approvals` → the
 * onboarding panel, anything else → the table. */
export function parseRoute(hash: string): Route {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const thing = params.get("device");
  if (thing !== null && !checkName("thing", thing)) return { view: "device", thing };
  if (params.has("rollouts")) return { view: "rollouts" };
  if (params.has("approvals")) return { view: "approvals" };
  return { view: "fleet" };
}

/** The small name-ordered page main.ts asks for before anything else (FIRST_SCREEN_ROWS). */
export interface FirstScreen {
  page: Promise<FleetStatusPage>;
  /** performance.now() when it was asked for: a status heard live after that wins. */
  requestedAt: number;
}

export interface FleetShellOptions {
  root: HTMLElement;
  /** The channels whose last value the table can show, and the app version rows compare with. */
  channels: string[];
  currentVersion: string;
  /** Which tabs there are besides the devices: the jobs API's rollouts, the approvals API's onboarding. */
  rollouts: boolean;
  approvals: boolean;
}

export class FleetShell {
  readonly rows = new Map<string, DeviceRow>();
  /** When each thing's status last arrived live (performance.now()): a listed record read before
   * that is older than what the table shows. One entry per device, like the rows. */
  readonly heardLive = new Map<string, number>();
  readonly table: FleetTable;
  readonly tabs: Record<"fleet" | "rollouts" | "approvals", HTMLAnchorElement>;
  /** Where the current view goes. */
  readonly views: HTMLElement;
  /** Shown instead of rows while there are none. */
  readonly empty: HTMLElement;

  constructor(options: FleetShellOptions) {
    this.table = new FleetTable({ rows: () => this.rows.values(), rowCount: () => this.rows.size, channels: options.channels, currentVersion: options.currentVersion });
    const nav = html("nav", { class: "views-nav", "aria-label": "Views" });
    this.tabs = { fleet: html("a", { href: "#" }, "Devices"), rollouts: html("a", { href: "#rollouts" }, "Rollouts"), approvals: html("a", { href: "#approvals" }, "Onboarding") };
    nav.append(this.tabs.fleet, ...(options.rollouts ? [this.tabs.rollouts] : []), ...(options.approvals ? [this.tabs.approvals] : []));
    this.empty = html("p", { class: "empty" }, "Listing the fleet…");
    this.views = html("div", { class: "view" });
    options.root.replaceChildren(nav, this.views);
  }

  /** Puts the table in the view (left alone when it is there already: re-inserting it would lose
   * its scroll position and lay the page out again) and draws it now. */
  showTable(): void {
    this.empty.hidden = this.rows.size > 0;
    const children = this.views.children;
    if (children.length !== 2 || children[0] !== this.empty || children[1] !== this.table.element) this.views.replaceChildren(this.empty, this.table.element);
    this.table.renderNow();
  }

  /** Marks the current view's tab. */
  markTab(view: Route["view"]): void {
    this.tabs.fleet.toggleAttribute("aria-current", view === "fleet");
    this.tabs.rollouts.toggleAttribute("aria-current", view === "rollouts");
    this.tabs.approvals.toggleAttribute("aria-current", view === "approvals");
  }

  row(thing: string): DeviceRow {
    let row = this.rows.get(thing);
    if (!row) {
      row = newRow(thing);
      this.rows.set(thing, row);
      this.empty.hidden = true;
    }
    return row;
  }

  /** Whether a status heard live since a listed record was asked for is newer than the record. */
  heardSince(thing: string, requestedAt: number): boolean {
    return (this.heardLive.get(thing) ?? -Infinity) > requestedAt;
  }

  /** Shows the first page of the unsegmented listing as soon as it is in: from a store that lists
   * in name order (`order: "thing"`) these are the fleet's first names, so the table's first
   * screen, sorted by name as it opens, is already the right one. Resolves once drawn (or failed:
   * the listing reports its own errors). */
  async showFirstScreen({ page, requestedAt }: FirstScreen): Promise<void> {
    let first: FleetStatusPage;
    try {
      first = await page;
    } catch (error) {
      console.warn(`the fleet's first screen could not be loaded: ${(error as Error).message}`);
      return;
    }
    for (const record of first.devices) if (!this.heardSince(record.thing, requestedAt)) applyStatus(this.row(record.thing), record, record.receivedAt);
    // Drawn now, not in the next frame: the segments' pages, parsed as they arrive, would come
    // first and delay that frame (by 0.5 s on a loaded machine at 10,000 devices).
    this.table.changedAll();
    if (this.table.element.isConnected) this.showTable();
  }
}
