/** The onboarding panel: boards that asked to join the fleet with a batch's claim (onboarding by
 * claim), pending first, and the ones an operator decided or that joined (their approval used
 * up). An operator link gets Approve / Deny on each pending board, Approve on a denied one (to
 * change its mind) and Approve again on a joined one (one more board with that serial, e.g. after
 * its flash was wiped); a viewer link sees the list without buttons. The servers refuse a
 * viewer's decision anyway (core/contracts/dashboardRoles.ts). */
import type { ApprovalRecord } from "../../core/contracts/approvalsApi";
import { roleMay, type DashboardRole } from "../../core/contracts/dashboardRoles";
import type { ApprovalsClient } from "./approvalsClient";
import { describeAge } from "./relativeTime";
import { html } from "./widgets/svg";

export class ApprovalsPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly error: HTMLElement;
  private readonly may: ReturnType<typeof roleMay>;

  constructor(
    private readonly client: ApprovalsClient,
    role: DashboardRole,
    /** Called after a decision, so the list (and the tab's pending count) follow at once. */
    private readonly onChange: () => void,
  ) {
    this.may = roleMay(role, "devices:approve");
    this.element = html("section", { class: "approvals", "aria-label": "Onboarding" });
    this.error = html("p", { class: "panel-error", role: "alert", hidden: "" });
    this.body = html("tbody");
    const table = html("table", { class: "approvals-table", "aria-label": "Boards asking to join" });
    const head = html("tr");
    for (const title of ["Board", "State", "Batch", "First asked", "Requests", ...(this.may.allowed ? ["Decision"] : [])]) head.append(html("th", { scope: "col" }, title));
    const thead = html("thead");
    thead.append(head);
    table.append(thead, this.body);
    const note = this.may.allowed
      ? "A board flashed with a batch's claim asks for its own identity; approve it and it joins the fleet the next time it asks. An approval lets one board through: a joined board that lost its identity needs Approve again."
      : `A board flashed with a batch's claim asks for its own identity and waits here. ${this.may.reason}.`;
    this.element.append(html("h2", {}, "Onboarding"), html("p", { class: "approvals-note" }, note), this.error, table);
  }

  show(devices: ApprovalRecord[]): void {
    this.error.hidden = true;
    if (devices.length === 0) {
      const row = html("tr");
      row.append(html("td", { colspan: "6", class: "empty" }, "No board has asked to join yet."));
      this.body.replaceChildren(row);
      return;
    }
    const now = Date.now();
    this.body.replaceChildren(...devices.map((d) => this.row(d, now)));
  }

  showError(message: string): void {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private row(device: ApprovalRecord, now: number): HTMLElement {
    const row = html("tr", { "data-serial": device.serial, class: `approval-${device.state}` });
    const name = html("th", { scope: "row" });
    // A board that joined (also one approved again since) is a thing of the fleet: its name opens its page.
    name.append(device.state === "joined" || device.joinedAt !== undefined ? html("a", { href: `#device=${encodeURIComponent(device.serial)}` }, device.serial) : device.serial);
    row.append(
      name,
      html("td", {}, device.state),
      html("td", {}, device.batch ?? "–"),
      html("td", {}, device.firstSeen ? describeAge(now - device.firstSeen) : "–"),
      html("td", {}, device.attempts === undefined ? "–" : String(device.attempts)),
    );
    if (this.may.allowed) {
      const cell = html("td", { class: "decision" });
      if (device.state !== "approved") cell.append(this.button(device.serial, "approve", device.state === "joined" ? "Approve again" : "Approve"));
      if (device.state === "pending") cell.append(this.button(device.serial, "deny"));
      row.append(cell);
    }
    return row;
  }

  private button(serial: string, decision: "approve" | "deny", label = decision === "approve" ? "Approve" : "Deny"): HTMLButtonElement {
    const button = html("button", { type: "button", class: `push ${decision}`, "aria-label": `${label} ${serial}` }, label);
    button.addEventListener("click", () => {
      button.disabled = true;
      this.client.decide(serial, decision).then(
        () => this.onChange(),
        (error: Error) => {
          this.showError(`${serial} was not ${decision === "approve" ? "approved" : "denied"}: ${error.message}`);
          button.disabled = false;
        },
      );
    });
    return button;
  }
}
