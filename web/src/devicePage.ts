/** One device's page (`#device=<name>`): its card (status and the feature controls, run by the
 * device's own VM from the web snapshot), its log stream (the lines the dashboard received,
 * bounded: fleetRows.ts, then live) and its OTA history from the jobs API. Only the open device
 * has a VM, so a fleet of 10,000 costs the page one VM, not 10,000. */
import type { ExecutionRecord } from "../../core/contracts/jobsApi";
import { DeviceCard, type DeviceCardOptions } from "./deviceCard";
import type { DeviceRow } from "./fleetRows";
import type { JobsClient } from "./jobsClient";
import { html } from "./widgets/svg";

/** Lines shown on the page (the row keeps fewer; this bounds a page left open for days). */
const MAX_SHOWN_LOG_LINES = 500;

export class DevicePage {
  readonly element: HTMLElement;
  readonly card: DeviceCard;
  private readonly log: HTMLOListElement;
  private readonly history: HTMLElement;
  private readonly unknown: HTMLElement;

  constructor(
    readonly thing: string,
    cardOptions: DeviceCardOptions,
    row: DeviceRow | undefined,
    private readonly jobs: JobsClient | undefined,
  ) {
    this.element = html("section", { class: "device-page", "aria-label": `Device ${thing}` });
    const back = html("a", { href: "#", class: "back" }, "← All devices");
    this.card = new DeviceCard(cardOptions);
    const logSection = html("section", { class: "panel device-log", "aria-label": "Log" });
    this.log = html("ol", { class: "log-lines" });
    logSection.append(html("h3", {}, "Log"), this.log);
    this.history = html("section", { class: "panel ota-history", "aria-label": "OTA history" });
    this.unknown = html("p", { class: "unknown-device", role: "alert", hidden: "" }, `No device named "${thing}" in this fleet: the cloud doesn't list it and it hasn't reported. Check the name in the address, or pick the device from All devices.`);
    this.element.append(back, this.unknown, this.card.element, logSection, this.history);
    for (const line of row?.logs ?? []) this.appendLog(line.t, line.text);
    void this.loadHistory();
  }

  /** The fleet's listing doesn't have this device (a mistyped or stale link), or it has after all. */
  showUnknown(unknown: boolean): void {
    this.unknown.hidden = !unknown;
  }

  appendLog(t: number, text: string): void {
    const item = html("li");
    item.append(html("time", { datetime: new Date(t).toISOString() }, new Date(t).toLocaleTimeString("en-GB")), document.createTextNode(` ${text}`));
    this.log.append(item);
    while (this.log.childElementCount > MAX_SHOWN_LOG_LINES) this.log.firstElementChild!.remove();
  }

  /** The OTA history again (after a job changed). */
  async loadHistory(): Promise<void> {
    const heading = html("h3", {}, "OTA history");
    if (!this.jobs) {
      this.history.replaceChildren(heading, html("p", { class: "empty" }, "This cloud serves no jobs API."));
      return;
    }
    let executions: ExecutionRecord[];
    try {
      executions = await this.jobs.thingHistory(this.thing);
    } catch (error) {
      this.history.replaceChildren(heading, html("p", { class: "control-error", role: "alert" }, `The OTA history could not be loaded: ${(error as Error).message}`));
      return;
    }
    if (executions.length === 0) {
      this.history.replaceChildren(heading, html("p", { class: "empty" }, "No OTA job has targeted this device yet."));
      return;
    }
    const table = html("table", { class: "history" });
    const head = html("tr");
    for (const title of ["Job", "Status", "Updated", "Details"]) head.append(html("th", { scope: "col" }, title));
    table.append(html("thead"), html("tbody"));
    table.tHead!.append(head);
    for (const e of executions) {
      const row = html("tr");
      const details = e.statusDetails ? Object.entries(e.statusDetails).map(([k, v]) => `${k}: ${v}`).join(", ") : "";
      for (const text of [e.jobId, e.status, new Date(e.lastUpdatedAt).toLocaleString("en-GB"), details]) row.append(html("td", {}, text));
      table.tBodies[0].append(row);
    }
    this.history.replaceChildren(heading, table);
  }

  dispose(): void {
    this.card.dispose();
    this.element.remove();
  }
}
