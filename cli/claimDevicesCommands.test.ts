import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureLocalPki } from "../local/certificates";
import { openLocalDatabase } from "../local/database/localDatabase";
import { ApprovalStore } from "../local/provisioning";
import { certificateFingerprint, registryFile, ThingRegistry } from "../local/registry";
import { claimCommand } from "./claimCommand";
import { devicesCommand } from "./devicesCommand";
import { DEFAULT_DEV_PORT } from "./commandSpecs";

describe("snapfleet claim mint / devices approve|deny|list", () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-claim-cli-"));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it("the documented board command line reaches the local cloud of `snapfleet dev` with its default port", () => {
    // snapfleet dev serves MQTT over TLS on the dashboard port + 1 (its `mqtt/tls` line).
    const root = path.join(__dirname, "..");
    for (const page of ["docs/onboarding-by-claim.md", "firmware/native/README.md"]) {
      const text = fs.readFileSync(path.join(root, page), "utf8");
      const commands = [...text.matchAll(/^\S*snapfleet-device connect (?:[^\n]*\\\n)*[^\n]*$/gm)].map((m) => m[0]).filter((c) => c.includes("--claim-cert") && c.includes("--endpoint 127."));
      assert.ok(commands.length > 0, `${page} shows a claimed board's command for the local cloud`);
      for (const command of commands) {
        assert.match(command, /^build\/firmware\/posix\/snapfleet-device /, `${page}: where \`snapfleet firmware build --target posix\` writes the program:\n${command}`);
        assert.match(command, new RegExp(`--endpoint 127\\.0\\.0\\.1:${DEFAULT_DEV_PORT + 1}\\b`), `${page}: the local broker's port:\n${command}`);
      }
    }
  });

  it("mints a batch's claim once (reused), signed by the state dir's CA, and writes it for flashing", async () => {
    const out = path.join(stateDir, "flash");
    const text = await claimCommand({ values: { batch: "batch-7", "state-dir": stateDir, out }, positionals: ["mint"] });
    assert.match(text, /^claim of batch "batch-7"/);
    assert.match(text, /snapfleet devices approve <serial> --state-dir/);
    const pki = await ensureLocalPki(stateDir);
    const cert = fs.readFileSync(path.join(out, "claim.crt"), "utf8");
    assert.deepEqual(pki.identityOf(cert), { kind: "claim", batch: "batch-7" });
    assert.ok(new X509Certificate(cert).checkPrivateKey(require("node:crypto").createPrivateKey(fs.readFileSync(path.join(out, "claim.key"), "utf8"))));
    assert.equal(fs.statSync(path.join(out, "claim.key")).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(path.join(out, "ca.crt"), "utf8"), pki.caCertPem);
    await claimCommand({ values: { batch: "batch-7", "state-dir": stateDir, out }, positionals: ["mint"] });
    assert.equal(fs.readFileSync(path.join(out, "claim.crt"), "utf8"), cert, "the same claim the second time");
  });

  it("refuses a missing or bad batch and an unknown action, saying what to do", async () => {
    await assert.rejects(claimCommand({ values: { "state-dir": stateDir }, positionals: ["mint"] }), /claim mint needs --batch <name>/);
    await assert.rejects(claimCommand({ values: { batch: "Batch 7", "state-dir": stateDir }, positionals: ["mint"] }), /--batch: batch name "Batch 7" is invalid/);
    await assert.rejects(claimCommand({ values: { batch: "b" }, positionals: ["make"] }), /claim takes one action, mint \(got make\)/);
  });

  it("devices with a state dir that doesn't exist (another folder than dev's) says so instead of making an empty one", async () => {
    const elsewhere = path.join(stateDir, "not-here");
    for (const positionals of [["list"], ["approve", "sn-1"], ["deny", "sn-1"], ["revoke", "sim-1"]]) {
      await assert.rejects(
        devicesCommand({ values: { "state-dir": elsewhere }, positionals }),
        (e: Error) => e.name === "CliError" && e.message === `no local cloud state in ${elsewhere}: snapfleet dev (or snapfleet claim mint) makes it; run this in the folder you run snapfleet dev in, or pass the same --state-dir DIR`,
        positionals.join(" "),
      );
    }
    assert.ok(!fs.existsSync(elsewhere), "nothing made there");
  });

  it("claim and devices with a --state-dir or --out that is a file say so, naming the option, without a stack trace", async () => {
    const file = path.join(stateDir, "notes.txt");
    fs.writeFileSync(file, "my notes");
    const stateDirProblem = /^state dir .*notes\.txt can't be used: it \(or a folder above it\) is a file, not a folder; pass another folder with --state-dir DIR/;
    await assert.rejects(claimCommand({ values: { batch: "b1", "state-dir": file }, positionals: ["mint"] }), (e: Error) => e.name === "CliError" && stateDirProblem.test(e.message));
    await assert.rejects(devicesCommand({ values: { "state-dir": file }, positionals: ["list"] }), (e: Error) => e.name === "CliError" && stateDirProblem.test(e.message));
    await assert.rejects(
      claimCommand({ values: { batch: "b1", "state-dir": stateDir, out: file }, positionals: ["mint"] }),
      (e: Error) => e.name === "CliError" && /^can't write the claim to .*notes\.txt: it \(or a folder above it\) is a file, not a folder; pass a folder with --out DIR$/.test(e.message),
    );
    assert.equal(fs.readFileSync(file, "utf8"), "my notes");
  });

  it("approves and denies boards in the state dir's database, where the running cloud reads them", async () => {
    const cloudView = () => new ApprovalStore(openLocalDatabase(stateDir));
    // A board asked (as the running cloud records it), then the operator decides from another process.
    const store = cloudView();
    store.recordRequest("sn-1", "batch-7");
    assert.match(await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["list"] }, Date.now()), /\nsn-1 +pending +batch-7 +1 +\d+ s ago$/);
    assert.equal(await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["approve", "sn-1"] }), `approved "sn-1": it joins the fleet the next time it asks`);
    assert.equal(store.stateOf("sn-1"), "approved", "the cloud's own connection sees the decision");
    assert.equal(await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["deny", "sn-2"] }), `denied "sn-2": it is refused whenever it asks`);
    assert.equal(store.stateOf("sn-2"), "denied");
    await assert.rejects(devicesCommand({ values: { "state-dir": stateDir }, positionals: ["approve"] }), /devices approve needs the board's serial/);
    await assert.rejects(devicesCommand({ values: { "state-dir": stateDir }, positionals: ["approve", "SN 1"] }), /devices approve: serial name "SN 1" is invalid/);
    await assert.rejects(devicesCommand({ values: { "state-dir": stateDir }, positionals: ["allow", "sn-1"] }), /devices takes list, approve <serial>, deny <serial> or revoke <thing> \(got allow\)/);
  });

  it("denying a board that already joined says it stays in the fleet: its own certificate still connects, only asks by claim are refused", async () => {
    // The board asked, was approved and got its thing (the local cloud registered it).
    const store = new ApprovalStore(openLocalDatabase(stateDir));
    store.recordRequest("sn-5", "batch-7");
    store.approve("sn-5");
    fs.mkdirSync(path.join(stateDir, "registry"), { recursive: true });
    fs.writeFileSync(path.join(stateDir, "registry", "things.json"), JSON.stringify({ things: [{ name: "sn-5", certificates: ["AB:CD"] }] }));
    const said = await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["deny", "sn-5"] });
    assert.match(said, /^denied "sn-5": it is refused if it asks by claim again, but it already joined the fleet as thing "sn-5": its own certificate still connects \(denying doesn't take a board out of the fleet: snapfleet devices revoke sn-5 does\)$/);
    assert.equal(await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["deny", "sn-6"] }), `denied "sn-6": it is refused whenever it asks`);
  });

  it("a joined board (its approval used up) is listed as joined; approving it again says one more board may join with that serial", async () => {
    const store = new ApprovalStore(openLocalDatabase(stateDir), { now: () => 1_000 });
    store.recordRequest("sn-3", "batch-7");
    store.approve("sn-3");
    assert.ok(store.consumeApproval("sn-3"), "the board joined (as the running cloud records it)");
    assert.match(await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["list"] }, 61_000), /\nsn-3 +joined +batch-7 +1 +60 s ago$/);
    assert.equal(
      await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["approve", "sn-3"] }),
      `approved "sn-3" again: its approval was used up when a board joined as it; one more board may now join with this serial (a board whose flash was wiped asks again; its old certificate still connects until snapfleet devices revoke sn-3)`,
    );
    assert.equal(store.stateOf("sn-3"), "approved");
  });

  it("approving a serial the app's claims, dashboards or server connect as is refused, since the cloud refuses such a board whatever its approval", async () => {
    // The state dir's last deploy names the app (as snapfleet dev leaves it).
    fs.mkdirSync(path.join(stateDir, "current"), { recursive: true });
    fs.writeFileSync(path.join(stateDir, "current", "manifest.json"), JSON.stringify({ app: "greenhouse", channels: [] }));
    await assert.rejects(
      devicesCommand({ values: { "state-dir": stateDir }, positionals: ["approve", "sf-greenhouse-claim-sn-1"] }),
      /^CliError: can't approve it: in app "greenhouse", serial "sf-greenhouse-claim-sn-1" is a client id reserved for the app's server, dashboards or claims \(it becomes the thing name\), and the cloud refuses such a board whatever its approval$/,
    );
    assert.equal(await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["approve", "sn-7"] }), `approved "sn-7": it joins the fleet the next time it asks (it has not asked yet)`);
  });

  it("lists the boards as a table whose columns line up, whatever the serials' lengths", async () => {
    const store = new ApprovalStore(openLocalDatabase(stateDir), { now: () => 1_000 });
    store.recordRequest("sn-1", "batch-7");
    store.recordRequest("greenhouse-1001", "b");
    store.approve("sn-22");
    assert.equal(
      await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["list"] }, 61_000),
      [
        "serial           state     batch    attempts  last seen",
        "---------------  --------  -------  --------  ---------",
        "greenhouse-1001  pending   b        1         60 s ago",
        "sn-1             pending   batch-7  1         60 s ago",
        "sn-22            approved  -        0         never",
      ].join("\n"),
    );
  });
  describe("devices revoke <thing>", () => {
    async function registered(...things: string[]): Promise<Record<string, string>> {
      const pki = await ensureLocalPki(stateDir);
      const registry = await ThingRegistry.open(stateDir);
      const certs: Record<string, string> = {};
      for (const thing of things) await registry.attach(thing, (certs[thing] = (await pki.deviceIdentity(thing)).certPem));
      return certs;
    }

    it("revokes the thing's certificate in the registry a running cloud reads, and removes the thing", async () => {
      const certs = await registered("sim-1", "sim-2");
      assert.equal(
        await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["revoke", "sim-2"] }),
        `revoked "sim-2": its certificate no longer connects (a running snapfleet dev closes its connection within a second)`,
      );
      const cloudView = await ThingRegistry.open(stateDir);
      assert.equal(cloudView.isRevoked(certificateFingerprint(certs["sim-2"])), true);
      assert.equal(cloudView.isRevoked(certificateFingerprint(certs["sim-1"])), false);
      assert.deepEqual(cloudView.names(), ["sim-1"]);
    });

    it("a board that joined by claim stays joined in the approvals: a new ask is refused until it is approved again", async () => {
      const store = new ApprovalStore(openLocalDatabase(stateDir));
      store.recordRequest("sn-8", "batch-7");
      store.approve("sn-8");
      assert.ok(store.consumeApproval("sn-8"), "the board joined (as the running cloud records it)");
      await registered("sn-8");
      assert.equal(
        await devicesCommand({ values: { "state-dir": stateDir }, positionals: ["revoke", "sn-8"] }),
        `revoked "sn-8": its certificate no longer connects (a running snapfleet dev closes its connection within a second); nothing else changes in the approvals: serial "sn-8" stays joined, so the board is refused if it asks by claim again, until snapfleet devices approve sn-8`,
      );
      assert.equal(store.stateOf("sn-8"), "joined");
    });

    it("an unknown thing, a missing name or a second one is a one-line error saying what to do", async () => {
      await registered("sim-1");
      await assert.rejects(
        devicesCommand({ values: { "state-dir": stateDir }, positionals: ["revoke", "sim-9"] }),
        (e: Error) => e.name === "CliError" && e.message === `devices revoke: no thing "sim-9" to revoke; the registry (${registryFile(stateDir)}) has sim-1`,
      );
      await assert.rejects(
        devicesCommand({ values: { "state-dir": stateDir }, positionals: ["revoke"] }),
        (e: Error) => e.name === "UsageError" && /^devices revoke needs the thing's name/.test(e.message),
      );
      await assert.rejects(devicesCommand({ values: { "state-dir": stateDir }, positionals: ["revoke", "sim-1", "sim-2"] }), /devices takes one serial or thing at a time \(got sim-1 sim-2\)/);
      assert.deepEqual((await ThingRegistry.open(stateDir)).names(), ["sim-1"], "nothing revoked");
    });
  });
});
