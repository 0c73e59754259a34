/** The fleet view: a table of every device (online, version, OTA state, last seen, a chosen
 * channel's last value) with search, filter and sort, that stays smooth at 10,000 rows because
 * only the rows in view exist in the DOM (a fixed row height places them; a spacer gives the
 * scroll bar its full length). Rows are updated live: a changed device repaints its row if it is
 * in view, and the order is recomputed at most a few times a second, so a busy fleet can't make
 * the table re-sort on every message. Clicking a device opens its page (`#device=<name>`). */
import { describeAge } from "./relativeTime";
import { FILTERS, formatCount, queryRows, type DeviceRow, type Filter, type FleetQuery, type SortKey } from "./fleetRows";
import { formatNumber, html } from "./widgets/svg";

/** px; matches `.fleet-row` in styles.css. */
export const ROW_HEIGHT = 34;
/** Rows rendered above and below the visible ones, so a quick scroll shows no blank rows. */
const OVERSCAN = 8;
/** The order is recomputed at most this often while devices keep changing. */
const REORDER_INTERVAL_MS = 300;

const COLUMNS: { key: SortKey; title: string }[] = [
  { key: "thing", title: "Device" },
  { key: "online", title: "Online" },
  { key: "version", title: "Version" },
  { key: "ota", title: "OTA" },
  { key: "lastSeen", title: "Last seen" },
  { key: "value", title: "Value" },
];

const FILTER_TEXT: Record<Filter, string> = {
  all: "All devices",
  online: "Online",
  offline: "Offline",
  updating: "OTA queued or in progress",
  failed: "OTA failed",
  outdated: "Running another version",
};

export interface FleetTableOptions {
  rows: () => Iterable<DeviceRow>;
  rowCount: () => number;
  channels: string[];
  currentVersion: string;
}

/** A rendered row: its cells, and what they show, so unchanged cells aren't touched. */
interface RowElement {
  element: HTMLElement;
  cells: HTMLElement[];
  link: HTMLAnchorElement;
  shown: string[];
}

export class FleetTable {
  readonly element: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly count: HTMLElement;
  private readonly headers = new Map<SortKey, HTMLElement>();
  private readonly valueHeader: HTMLButtonElement;
  private readonly channelSelect: HTMLSelectElement;
  private readonly pool: RowElement[] = [];
  private readonly query: FleetQuery;
  private order: DeviceRow[] = [];
  private orderDirty = true;
  /** When the order was last computed; -Infinity means "now, without the throttle". Not 0:
   * performance.now() counts from the page's load, so within the first 300 ms a 0 would still
   * throttle (a filter chosen that early showed the old rows for a frame). */
  private lastOrderAt = -Infinity;
  private frame: number | undefined;
  private reorderTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: FleetTableOptions) {
    this.query = { search: "", filter: "all", sort: "thing", descending: false, channel: options.channels[0] ?? "", currentVersion: options.currentVersion };
    this.element = html("section", { class: "fleet-view", "aria-label": "Fleet" });
    const tools = html("div", { class: "fleet-tools" });
    const search = html("input", { type: "search", placeholder: "Search name or version", "aria-label": "Search devices" });
    search.addEventListener("input", () => this.setQuery({ search: search.value }));
    const filter = html("select", { "aria-label": "Filter devices" });
    for (const f of FILTERS) filter.append(new Option(FILTER_TEXT[f], f));
    filter.addEventListener("change", () => this.setQuery({ filter: filter.value as Filter }));
    this.channelSelect = html("select", { "aria-label": "Channel shown" });
    this.channelSelect.addEventListener("change", () => this.setQuery({ channel: this.channelSelect.value }));
    this.setChannels(options.channels);
    this.count = html("span", { class: "fleet-count", role: "status", "aria-label": "devices shown" });
    tools.append(search, filter, this.channelSelect, this.count);

    const table = html("div", { role: "table", "aria-label": "Devices", class: "fleet-table" });
    const head = html("div", { role: "row", class: "fleet-row fleet-head" });
    let valueHeader: HTMLButtonElement | undefined;
    for (const column of COLUMNS) {
      const cell = html("div", { role: "columnheader", class: `cell cell-${column.key}`, "aria-sort": "none" });
      const button = html("button", { type: "button", class: "sort" }, column.key === "value" ? this.query.channel || "Value" : column.title);
      button.addEventListener("click", () => this.setQuery(this.query.sort === column.key ? { descending: !this.query.descending } : { sort: column.key, descending: false }));
      // The arrow is not part of the button's name: aria-sort already says how the column sorts.
      cell.append(button, html("span", { class: "sort-mark", "aria-hidden": "true" }));
      head.append(cell);
      this.headers.set(column.key, cell);
      if (column.key === "value") valueHeader = button;
    }
    this.valueHeader = valueHeader!;
    const headGroup = html("div", { role: "rowgroup" });
    headGroup.append(head);
    this.scroller = html("div", { class: "fleet-scroll" });
    this.spacer = html("div", { role: "rowgroup", class: "fleet-spacer" });
    this.scroller.append(this.spacer);
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    table.append(headGroup, this.scroller);
    this.element.append(tools, table);
    this.updateHeaders();
  }

  /** A device changed (or appeared): repaint soon, and recompute the order. */
  changed(): void {
    this.orderDirty = true;
    this.schedule();
  }

  /** Many devices changed at once (a listing arrived): recompute the order in the next frame,
   * not after the throttle that keeps live updates from re-sorting on every message. */
  changedAll(): void {
    this.lastOrderAt = -Infinity;
    this.changed();
  }

  /** Relative times moved on: repaint what is in view. */
  refresh(): void {
    this.schedule();
  }

  /** A new build may have other channels. */
  setChannels(channels: string[], currentVersion?: string): void {
    if (currentVersion !== undefined) this.query.currentVersion = currentVersion;
    this.channelSelect.replaceChildren(...channels.map((c) => new Option(c, c)));
    if (!channels.includes(this.query.channel)) this.query.channel = channels[0] ?? "";
    this.channelSelect.value = this.query.channel;
    this.changed();
  }

  /** Renders now (the bench measures first render and updates with it). */
  renderNow(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.render(true);
  }

  private setQuery(change: Partial<FleetQuery>): void {
    Object.assign(this.query, change);
    this.updateHeaders();
    this.orderDirty = true;
    this.lastOrderAt = -Infinity;
    this.schedule();
  }

  private updateHeaders(): void {
    for (const [key, cell] of this.headers) {
      const sort = key === this.query.sort ? (this.query.descending ? "descending" : "ascending") : "none";
      cell.setAttribute("aria-sort", sort);
      cell.lastElementChild!.textContent = sort === "ascending" ? " ▲" : sort === "descending" ? " ▼" : "";
    }
    this.valueHeader.textContent = this.query.channel || "Value";
  }

  private schedule(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.render(false);
    });
  }

  private render(force: boolean): void {
    // Where the scroller is, read before this render writes anything: read after the writes
    // below, it would make the browser lay the page out once more before the frame does.
    const scrolledTo = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || ROW_HEIGHT * 20;
    if (this.orderDirty) {
      const wait = this.lastOrderAt + REORDER_INTERVAL_MS - performance.now();
      // The first rows show at once; the throttle is for a table that already shows some.
      if (force || wait <= 0 || this.order.length === 0) {
        this.order = queryRows(this.options.rows(), this.query);
        this.orderDirty = false;
        this.lastOrderAt = performance.now();
      } else {
        clearTimeout(this.reorderTimer);
        this.reorderTimer = setTimeout(() => this.schedule(), wait);
      }
    }
    const total = this.options.rowCount();
    this.count.textContent = this.order.length === total ? `${formatCount(total)} devices` : `${formatCount(this.order.length)} of ${formatCount(total)} devices`;
    this.spacer.style.height = `${this.order.length * ROW_HEIGHT}px`;
    this.spacer.closest("[role=table]")?.setAttribute("aria-rowcount", String(this.order.length + 1));
    // A shorter list clamps the scroll position (as the browser will once it lays the rows out).
    const top = Math.min(scrolledTo, Math.max(0, this.order.length * ROW_HEIGHT - height));
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.order.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const now = Date.now();
    for (let i = first; i < last; i++) this.paint(this.rowElement(i - first), this.order[i], i, now);
    for (let k = last - first; k < this.pool.length; k++) this.pool[k].element.hidden = true;
  }

  private rowElement(slot: number): RowElement {
    let row = this.pool[slot];
    if (!row) {
      const element = html("div", { role: "row", class: "fleet-row" });
      const link = html("a", { class: "device-link" });
      const cells = COLUMNS.map((c) => html("div", { role: "cell", class: `cell cell-${c.key}` }));
      cells[0].append(link);
      element.append(...cells);
      this.spacer.append(element);
      row = { element, cells, link, shown: [] };
      this.pool[slot] = row;
    }
    row.element.hidden = false;
    return row;
  }

  private paint(row: RowElement, device: DeviceRow, index: number, now: number): void {
    const value = device.values.get(this.query.channel)?.value;
    const texts = [
      device.thing,
      device.online ? "online" : "offline",
      device.version ? device.version.slice(0, 7) : "–",
      device.ota || "–",
      device.lastSeen ? describeAge(now - device.lastSeen) : "never",
      value === undefined ? "–" : typeof value === "number" ? formatNumber(value) : typeof value === "boolean" ? (value ? "on" : "off") : value === null ? "null" : String(value),
    ];
    if (row.shown[0] !== device.thing) {
      row.link.href = `#device=${encodeURIComponent(device.thing)}`;
      row.element.dataset.thing = device.thing;
    }
    row.element.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    row.element.setAttribute("aria-rowindex", String(index + 2));
    row.element.classList.toggle("online", device.online);
    row.element.classList.toggle("outdated", device.version !== "" && device.version !== this.query.currentVersion);
    for (let c = 0; c < texts.length; c++) {
      if (row.shown[c] === texts[c]) continue;
      (c === 0 ? row.link : row.cells[c]).textContent = texts[c];
      row.shown[c] = texts[c];
    }
  }
}
