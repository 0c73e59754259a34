/** The rollout panel: each OTA job of the app with its execution counts by status; a count opens
 * the list of devices in that status (a page of them, more on request), and an operator can
 * cancel a job that is still running. A viewer sees the button disabled with the reason; the
 * servers refuse a viewer's cancel anyway (core/contracts/dashboardRoles.ts). */
import { roleMay, type DashboardRole } from "../../core/contracts/dashboardRoles";
import { EXECUTION_STATUSES, type ExecutionStatusName, type JobSummary } from "../../core/contracts/jobsApi";
import type { JobsClient } from "./jobsClient";
import { describeAge } from "./relativeTime";
import { html } from "./widgets/svg";

/** Devices listed per request when a count is opened. */
const DEVICES_PAGE = 100;

export class RolloutPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly error: HTMLElement;
  private readonly jobs = new Map<string, { element: HTMLElement; render(job: JobSummary): void }>();

  constructor(
    private readonly client: JobsClient,
    private readonly role: DashboardRole,
    /** Called after a cancel, so the fleet's OTA column follows at once. */
    private readonly onChange: () => void,
  ) {
    this.element = html("section", { class: "rollouts", "aria-label": "Rollouts" });
    this.error = html("p", { class: "panel-error", role: "alert", hidden: "" });
    this.list = html("div", { class: "job-list" });
    this.element.append(html("h2", {}, "Rollouts"), this.error, this.list);
  }

  /** Shows the jobs (newest first); jobs already shown keep their opened device lists. */
  show(jobs: JobSummary[]): void {
    if (jobs.length === 0) {
      this.list.replaceChildren(html("p", { class: "empty" }, "No OTA jobs yet. A deploy with new device code creates one."));
      this.jobs.clear();
      return;
    }
    const elements = jobs.map((job) => {
      let view = this.jobs.get(job.jobId);
      if (!view) {
        view = this.jobView(job.jobId);
        this.jobs.set(job.jobId, view);
      }
      view.render(job);
      return view.element;
    });
    this.list.replaceChildren(...elements);
  }

  showError(message: string): void {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private jobView(jobId: string): { element: HTMLElement; render(job: JobSummary): void } {
    const headingId = `job-${jobId}`;
    const element = html("article", { class: "job", "aria-labelledby": headingId, "data-job": jobId });
    const header = html("header", { class: "job-header" });
    const state = html("span", { class: "job-status", role: "status", "aria-label": `${jobId} status` });
    const created = html("span", { class: "job-created" });
    const cancel = html("button", { type: "button", class: "push job-cancel" }, "Cancel job");
    const note = html("p", { class: "job-note", role: "alert", hidden: "" });
    const may = roleMay(this.role, "jobs:cancel");
    if (!may.allowed) {
      cancel.disabled = true;
      cancel.title = may.reason;
    }
    header.append(html("h3", { id: headingId }, jobId), state, created, cancel);
    const counts = html("div", { class: "job-counts", role: "group", "aria-label": `${jobId} executions by status` });
    const devices = html("section", { class: "job-devices", "aria-label": `${jobId} devices`, hidden: "" });
    element.append(header, note, counts, devices);

    let current: JobSummary | undefined;
    let opened: ExecutionStatusName | undefined;
    cancel.addEventListener("click", () => {
      cancel.disabled = true;
      note.hidden = true;
      this.client.cancel(jobId).then(
        (job) => {
          render(job);
          this.onChange();
        },
        (error: Error) => {
          note.textContent = `Not cancelled: ${error.message}`;
          note.hidden = false;
          cancel.disabled = !may.allowed;
        },
      );
    });

    const openDevices = async (status: ExecutionStatusName, after?: string) => {
      opened = status;
      devices.hidden = false;
      const list = after ? devices.querySelector("ul")! : html("ul", { class: "device-list" });
      if (!after) devices.replaceChildren(html("h4", {}, `${status.replace("_", " ").toLowerCase()} on`), list);
      devices.querySelector(".more")?.remove();
      try {
        const page = await this.client.executionsPage(jobId, status, after, DEVICES_PAGE);
        if (opened !== status) return;
        for (const e of page.executions) {
          const item = html("li");
          const detail = e.statusDetails?.reason ?? e.statusDetails?.step;
          item.append(html("a", { href: `#device=${encodeURIComponent(e.thing)}` }, e.thing));
          if (detail) item.append(html("span", { class: "detail" }, ` ${detail}`));
          list.append(item);
        }
        if (page.next) {
          const more = html("button", { type: "button", class: "push more" }, "More devices");
          more.addEventListener("click", () => void openDevices(status, page.next));
          devices.append(more);
        }
      } catch (error) {
        devices.append(html("p", { class: "control-error", role: "alert" }, `The devices could not be listed: ${(error as Error).message}`));
      }
    };

    const render = (job: JobSummary) => {
      const changed = !current || JSON.stringify(current.counts) !== JSON.stringify(job.counts);
      current = job;
      state.textContent = job.reasonCode ? `${job.status} (${job.reasonCode})` : job.status;
      created.textContent = `created ${describeAge(Date.now() - job.createdAt)}`;
      if (may.allowed) cancel.disabled = job.status !== "IN_PROGRESS";
      cancel.hidden = job.status !== "IN_PROGRESS";
      if (!changed) return;
      counts.replaceChildren(
        ...EXECUTION_STATUSES.filter((s) => job.counts[s]).map((status) => {
          const button = html("button", { type: "button", class: `count status-${status.toLowerCase()}`, "data-status": status }, `${status.replace("_", " ")} ${job.counts[status]}`);
          button.setAttribute("aria-pressed", String(opened === status));
          button.addEventListener("click", () => {
            counts.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
            void openDevices(status);
          });
          return button;
        }),
      );
      if (opened && job.counts[opened]) void openDevices(opened);
    };
    return { element, render };
  }
}
