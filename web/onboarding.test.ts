/** Onboarding by claim in the dashboard, in Chromium, on the whole local cloud (`snapfleet dev`'s
 * LocalCloud): a simulated board boots with its batch's claim and asks for its own identity; it
 * appears as pending on the onboarding panel; a viewer link sees it without buttons and the server
 * refuses its approve; an operator approves it on the page, and the board joins the fleet, online
 * in the table under its own certificate. */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { APPROVE_PATH } from "../core/contracts/approvalsApi";
import { FLEET_STATUS_TOKEN_HEADER } from "../core/contracts/fleetStatus";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import { startClaimedDevice } from "../firmware/provisioning/claimedDevice";
import type { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";
import { writeFeatures } from "../test/support/tempFeatures";
import { waitFor } from "../test/support/waitFor";
import { buildWebBundle } from "./bundle";
import { launchChromium } from "./testSupport/dashboardFixture";

const SERIAL = "gh-200";

describe("onboarding in the dashboard (Chromium, local cloud): claim → pending → approve → online", function () {
  this.timeout(90_000);
  let dir: string;
  let cloud: LocalCloud;
  let browser: Browser;
  let device: SimulatedDevice | undefined;
  let booting: Promise<SimulatedDevice> | undefined;
  const pages: Page[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-onboarding-"));
    const [build, bundle] = await Promise.all([
      compileFeatures({
        entry: writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const beat = api.newCommsChannel<number>("beat", { direction: "device-to-server" });\n  api.mcu.setInterval(() => beat.pushMessageToServer(7), 200);\n}\n` }, "onboard-app"),
      }),
      buildWebBundle({ outDir: path.join(dir, "web-bundle") }),
    ]);
    cloud = await LocalCloud.start({ stateDir: path.join(dir, "cloud"), build, port: 0, dashboardBundleDir: bundle.outDir });
    await cloud.deploy(build);
    browser = await launchChromium();
  });

  after(async () => {
    for (const page of pages) await page.close().catch(() => {});
    await browser?.close();
    await device?.stop().catch(() => {});
    await booting?.then((d) => d.stop()).catch(() => {});
    await cloud?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = async (url: string) => {
    const page = await browser.newPage();
    pages.push(page);
    // The token is in the fragment; `approvals` opens the onboarding panel.
    await page.goto(`${url}&approvals`);
    return page;
  };
  const boardRow = (page: Page) => page.getByRole("table", { name: "Boards asking to join" }).getByRole("row").filter({ hasText: SERIAL });

  it("an operator approves a pending board on the page; a viewer sees it without buttons and is refused by the server", async () => {
    const claim = await cloud.broker.pki.claimIdentity("batch-1");
    booting = startClaimedDevice({
      app: cloud.app,
      serial: SERIAL,
      claim,
      stateDir: path.join(dir, "devices", SERIAL),
      endpoint: "127.0.0.1",
      port: cloud.broker.mqttsPort,
      caCertPem: cloud.broker.caCertPem,
      engine: await loadWasmEngine(),
      gracePeriodMs: 300,
      retry: { initialMs: 100, maxMs: 300 },
    });
    await waitFor("the board listed as pending", () => cloud.approvals.get(SERIAL)?.state === "pending", 30_000);

    // Viewer: the pending board is listed, with no buttons; the server refuses a hand-made approve.
    const viewer = await open(cloud.dashboard!.url);
    await boardRow(viewer).getByRole("cell", { name: "pending", exact: true }).waitFor({ timeout: 20_000 });
    assert.match((await viewer.getByRole("link", { name: /^Onboarding/ }).textContent()) ?? "", /Onboarding \(1 pending\)/);
    assert.equal(await viewer.getByRole("button", { name: `Approve ${SERIAL}` }).count(), 0, "no approve button for a viewer");
    assert.match((await viewer.locator(".approvals-note").textContent()) ?? "", /viewer link: to approve or deny a pending device you need an operator link/);
    const refused = await viewer.evaluate(
      async ([pathname, header, serial]) => {
        const response = await fetch(`${pathname}?serial=${serial}`, { method: "POST", headers: { [header]: sessionStorage.getItem("snapfleet.token") ?? "" } });
        return { status: response.status, body: (await response.json()) as { error: string } };
      },
      [APPROVE_PATH, FLEET_STATUS_TOKEN_HEADER, SERIAL] as const,
    );
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /you need an operator link \(the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator\)/);
    assert.equal(cloud.approvals.get(SERIAL)?.state, "pending", "the viewer's request changed nothing");

    // Operator: approve on the page; the board gets its own identity and joins the fleet.
    const operator = await open(cloud.dashboard!.operatorUrl);
    await boardRow(operator).getByRole("button", { name: `Approve ${SERIAL}` }).click();
    device = await booting;
    booting = undefined;
    assert.equal(device.thing, SERIAL);
    // The approval let this one board through and is used up: listed as joined, and an operator
    // may approve again (a board whose flash was wiped needs a new approval).
    assert.equal(cloud.approvals.get(SERIAL)?.state, "joined");
    await boardRow(operator).getByRole("cell", { name: "joined", exact: true }).waitFor({ timeout: 20_000 });
    assert.equal(await boardRow(operator).getByRole("button", { name: `Approve again ${SERIAL}` }).count(), 1);
    assert.equal(await boardRow(operator).getByRole("button", { name: `Deny ${SERIAL}` }).count(), 0);

    // Joined, it is a device of the fleet: its name links to its page; the table shows it online.
    assert.equal(await boardRow(operator).getByRole("link", { name: SERIAL }).getAttribute("href"), `#device=${SERIAL}`);
    await operator.getByRole("link", { name: "Devices", exact: true }).click();
    const row = operator.getByRole("row").filter({ has: operator.getByRole("link", { name: SERIAL, exact: true }) });
    await row.getByRole("cell", { name: "online", exact: true }).waitFor({ timeout: 30_000 });

    // Its own certificate: issued to it by the local CA for a thing, not the batch's claim.
    const own = new X509Certificate(fs.readFileSync(path.join(dir, "devices", SERIAL, "identity", "device.crt")));
    assert.notEqual(own.fingerprint256, new X509Certificate(claim.certPem).fingerprint256);
    assert.equal(cloud.broker.pki.identityOf(own.raw)?.kind, "thing");

    // Approving again on the page lets one more board with this serial through.
    await operator.getByRole("link", { name: /^Onboarding/ }).click();
    await boardRow(operator).getByRole("button", { name: `Approve again ${SERIAL}` }).click();
    await boardRow(operator).getByRole("cell", { name: "approved", exact: true }).waitFor({ timeout: 10_000 });
    assert.equal(cloud.approvals.get(SERIAL)?.state, "approved");
  });

  it("a denied board is refused whenever it asks, and stays listed as denied", async () => {
    const operator = pages[pages.length - 1];
    cloud.approvals.recordRequest("gh-201", "batch-1");
    await operator.goto(`${cloud.dashboard!.origin}/#approvals`);
    const row = operator.getByRole("table", { name: "Boards asking to join" }).getByRole("row").filter({ hasText: "gh-201" });
    await row.getByRole("button", { name: "Deny gh-201" }).click();
    await row.getByRole("cell", { name: "denied", exact: true }).waitFor({ timeout: 10_000 });
    assert.equal(cloud.approvals.stateOf("gh-201"), "denied");
    // A denied board may still be approved later (the operator changed their mind): only Approve is offered.
    assert.equal(await row.getByRole("button", { name: "Approve gh-201" }).count(), 1);
    assert.equal(await row.getByRole("button", { name: "Deny gh-201" }).count(), 0);
  });
});
