/** Onboarding by claim with the native device (`snapfleet-device connect --serial … --claim-cert
 * … --claim-key …`, ports/posix/net/claimProvisioning.c) against the whole local cloud on
 * 127.0.0.1: the broker with the claim policy over mutual TLS, the fleet provisioning service,
 * approvals in SQLite, Jobs and the HTTPS artifact store. As local/provisioning/claimProvisioning.test.ts
 * for the TypeScript board, everything is observed from outside: the approvals list, the registry,
 * what the dashboard reads, job executions, the board's state dir and what it printed. */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { CompileResult } from "../../core/compiler/compileFeatures";
import { claimClientIdPrefix } from "../../core/policy/clientIds";
import { compileNativeApp, DashboardView, NativeFleet } from "../../test/support/nativeFleet";
import { waitFor } from "../../test/support/waitFor";
import { NativeDevice, type NativeClaim } from "./nativeDevice";

describe("native device onboarding by claim (fleet provisioning MQTT API, local cloud)", function () {
  this.timeout(180_000);
  let v1: CompileResult;
  let fleet: NativeFleet;
  let dashboard: DashboardView;
  let jobId: string;
  let claimDir: string;
  const cloudLines: string[] = [];
  const running: NativeDevice[] = [];

  before(async () => {
    v1 = await compileNativeApp(`  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(5), 100);`);
    fleet = await NativeFleet.start(v1, (line) => cloudLines.push(line));
    dashboard = await DashboardView.connect(fleet.cloud);
    jobId = (await fleet.cloud.deploy(v1)).jobId!;
    // The batch's claim as `snapfleet claim mint` hands it out: files flashed on the board, which a
    // test may delete after onboarding.
    const claim = await fleet.cloud.broker.pki.claimIdentity("batch-n");
    claimDir = path.join(fleet.stateDir, "flash");
    fs.mkdirSync(claimDir);
    fs.writeFileSync(path.join(claimDir, "claim.crt"), claim.certPem);
    fs.writeFileSync(path.join(claimDir, "claim.key"), claim.keyPem, { mode: 0o600 });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
  });

  after(async () => {
    await dashboard?.close();
    await fleet?.stop();
  });

  const claim = (serial: string, extra: Partial<NativeClaim> = {}): NativeClaim => ({
    serial,
    certPath: path.join(claimDir, "claim.crt"),
    keyPath: path.join(claimDir, "claim.key"),
    retry: { initialMs: 100, maxMs: 300 },
    ...extra,
  });

  /** Starts a board with a claim; start() resolves once it is online as its own thing. */
  function boot(serial: string, lines: string[], extra: { claim?: NativeClaim; signal?: AbortSignal } = {}): Promise<NativeDevice> {
    const started = NativeDevice.start({
      binary: fleet.binary,
      app: fleet.cloud.app,
      stateDir: fleet.deviceStateDir(serial),
      endpoint: "127.0.0.1",
      port: fleet.cloud.broker.mqttsPort,
      caPath: fleet.cloud.broker.pki.caCertPath,
      claim: extra.claim ?? claim(serial),
      signal: extra.signal,
      keepAliveSeconds: 2,
      connectTimeoutMs: 120_000,
      onLog: (line) => lines.push(line),
    });
    return started.then((device) => (running.push(device), device));
  }

  const identityDir = (serial: string) => path.join(fleet.deviceStateDir(serial), "identity");

  it("claim → pending → approve → online with its own certificate, running the fleet's version; a restart uses the kept identity, the claim deleted", async () => {
    const serial = "sn-2001";
    const lines: string[] = [];
    const booting = boot(serial, lines);
    await waitFor("the board listed as pending", () => fleet.cloud.approvals.get(serial)?.state === "pending", 60_000);
    assert.equal(fleet.cloud.approvals.get(serial)?.batch, "batch-n");
    await waitFor("a second attempt", () => (fleet.cloud.approvals.get(serial)?.attempts ?? 0) >= 2, 60_000);
    assert.ok(!fleet.cloud.broker.registry.has(serial), "no thing before an operator approves");
    assert.ok(!fs.existsSync(identityDir(serial)), "nothing kept while not approved");
    const text = () => lines.join("\n");
    assert.match(text(), new RegExp(`\\[mqtt ${claimClientIdPrefix(fleet.cloud.app)}${serial}\\] connected`), "asks under the claim's client id");
    assert.match(text(), /not approved yet \(attempt 1: RegisterThing: 403 AccessDenied: ACCESS_DENIED/);

    fleet.cloud.approvals.approve(serial);
    const device = await booting;
    assert.equal(device.thing, serial);
    assert.ok(fleet.cloud.broker.registry.has(serial));
    assert.match(text(), /provisioned by claim as "sn-2001"/);

    // Online as itself: the fleet's OTA job offered and run, status and messages seen by the dashboard.
    await waitFor("v1 installed over the air", () => fleet.execution(serial, jobId)?.status === "SUCCEEDED", 60_000);
    await waitFor("the app's messages", () => dashboard.lastValue(serial, "level") === 5, 30_000);
    assert.equal(dashboard.lastStatus(serial)?.online, true);
    assert.equal(dashboard.lastStatus(serial)?.version, v1.manifest.version);

    // Kept in its flash: a certificate of the local CA other than the claim, the key private, never printed.
    const dir = identityDir(serial);
    const certPem = fs.readFileSync(path.join(dir, "device.crt"), "utf8");
    const keyPem = fs.readFileSync(path.join(dir, "device.key"), "utf8");
    assert.equal(fs.readFileSync(path.join(dir, "thing-name"), "utf8"), `${serial}\n`);
    assert.equal(fs.statSync(path.join(dir, "device.key")).mode & 0o777, 0o600);
    assert.notEqual(certPem, fs.readFileSync(path.join(claimDir, "claim.crt"), "utf8"));
    assert.ok(new X509Certificate(certPem).checkIssued(new X509Certificate(fleet.cloud.broker.caCertPem)));
    const keyBody = keyPem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    assert.ok(keyBody.length > 40);
    assert.ok(!text().includes(keyBody.slice(0, 40)) && !/PRIVATE KEY|certificateOwnershipToken/.test(text()), "neither the key nor the token is printed");

    // Reboot without the claim: the kept identity, no claim connection, no new request.
    await device.stop();
    const attempts = fleet.cloud.approvals.get(serial)?.attempts;
    fs.rmSync(path.join(claimDir, "claim.crt"));
    fs.rmSync(path.join(claimDir, "claim.key"));
    try {
      const again: string[] = [];
      const rebooted = await boot(serial, again);
      assert.equal(rebooted.thing, serial);
      assert.match(again.join("\n"), /\[identity\] thing "sn-2001"/);
      assert.ok(!again.some((l) => l.includes(claimClientIdPrefix(fleet.cloud.app))), again.join("\n"));
      assert.equal(fleet.cloud.approvals.get(serial)?.attempts, attempts);
      assert.equal(fs.readFileSync(path.join(dir, "device.crt"), "utf8"), certPem);
    } finally {
      const claimFiles = await fleet.cloud.broker.pki.claimIdentity("batch-n");
      fs.writeFileSync(path.join(claimDir, "claim.crt"), claimFiles.certPem);
      fs.writeFileSync(path.join(claimDir, "claim.key"), claimFiles.keyPem, { mode: 0o600 });
    }
  });

  it("deny → refused: the board keeps asking, gets no identity and nothing is kept; stopping it ends the wait", async () => {
    const serial = "sn-666";
    fleet.cloud.approvals.deny(serial);
    const lines: string[] = [];
    const controller = new AbortController();
    const booting = boot(serial, lines, { signal: controller.signal });
    await waitFor("the denied board to ask twice", () => (fleet.cloud.approvals.get(serial)?.attempts ?? 0) >= 2, 60_000);
    controller.abort();
    await assert.rejects(booting, /exited with code 1[\s\S]*provisioning by claim was stopped before an identity came \(nothing was kept\)/);
    assert.equal(fleet.cloud.approvals.get(serial)?.state, "denied");
    assert.ok(!fleet.cloud.broker.registry.has(serial));
    assert.ok(!fs.existsSync(identityDir(serial)), "nothing kept");
    assert.match(lines.join("\n"), /not approved yet \(attempt 1: RegisterThing: 403 AccessDenied: ACCESS_DENIED/);
    assert.ok(cloudLines.some((l) => /refused a board of claim "batch-n": board "sn-666" was denied by an operator/.test(l)), cloudLines.join("\n"));
  });

  it("a serial the cloud refuses whatever an operator decides ends the board at once with the cloud's own words, nothing asked (it would otherwise ask forever)", async () => {
    for (const [serial, words] of [
      ["SN_1", /exited with code 1[\s\S]*--serial: serial name "SN_1" is invalid: use 1-63 lowercase letters, digits and '-', starting with a letter or digit \(for example "soil-moisture"\) \(it becomes the thing name\); the cloud refuses this board whatever an operator decides: flash it with another serial \(nothing was asked\)/],
      ["-sn-1", /serial name "-sn-1" is invalid/],
      ["s".repeat(64), /serial name "s{64}" is invalid/],
      [`sf-${fleet.cloud.app}-server`, /--serial: serial "sf-nat-app-server" is a client id reserved for the app's server, dashboards or claims \(it becomes the thing name\)/],
      [`sf-${fleet.cloud.app}-dashboard-x1`, /serial "sf-nat-app-dashboard-x1" is a client id reserved/],
      [`sf-${fleet.cloud.app}-claim-sn-1`, /serial "sf-nat-app-claim-sn-1" is a client id reserved/],
    ] as const) {
      const lines: string[] = [];
      await assert.rejects(boot(serial, lines), words);
      assert.ok(!lines.some((l) => /\[mqtt .*\] connected/.test(l)), `${serial}: no claim connection\n${lines.join("\n")}`);
    }
    // The longest name is a serial all the same: it asks.
    const longest = "s".repeat(63);
    const controller = new AbortController();
    const booting = boot(longest, [], { signal: controller.signal });
    await waitFor("the 63-character serial to ask", () => fleet.cloud.approvals.get(longest)?.state === "pending", 60_000);
    controller.abort();
    await assert.rejects(booting, /stopped before an identity came/);
  });

  it("a template the claim may not use ends the board with a clear error, nothing kept", async () => {
    const serial = "sn-3003";
    const lines: string[] = [];
    // The claim policy refuses the other template's answer topics (SUBACK 0x80): no answer could
    // come, so the board stops before it asks, and says why.
    await assert.rejects(
      boot(serial, lines, { claim: claim(serial, { templateName: "no-such-template" }) }),
      /exited with code 1[\s\S]*provisioning by claim failed: the broker refused the subscription to the answer topics of template "no-such-template": the claim's policy allows only its app's template \(sf-nat-app-claim unless --template names another\) \(nothing was kept\)/,
    );
    assert.equal(fleet.cloud.approvals.get(serial), undefined, "it never asked");
    assert.match(lines.join("\n"), /subscription to "\$aws\/provisioning-templates\/no-such-template\/provision\/json\/accepted" refused by the broker/);
    assert.ok(!fs.existsSync(identityDir(serial)), "nothing kept");
    assert.ok(!fleet.cloud.broker.registry.has(serial));
  });
});
