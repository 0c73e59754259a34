import assert from "node:assert/strict";
import { claimedDashboardRole, decodeDashboardKey, encodeDashboardKey, mintDashboardToken, verifyDashboardToken } from "./dashboardToken";
import { roleMay } from "./dashboardRoles";

const KEY = Buffer.alloc(32, 3);
const NOW = 1_800_000_000_000;

describe("dashboard tokens", () => {
  it("mints sfdash.<expiry>.<mac> tokens that verify until they expire", () => {
    const token = mintDashboardToken(KEY, "tank", 60_000, NOW);
    assert.match(token, /^sfdash\.1800000060000\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(verifyDashboardToken(KEY, "tank", token, NOW), { valid: true, expiresAt: NOW + 60_000, role: "viewer" });
    assert.match((verifyDashboardToken(KEY, "tank", token, NOW + 60_000) as { reason: string }).reason, /expired at/);
  });

  it("refuses another key, another app, a changed expiry and malformed tokens", () => {
    const token = mintDashboardToken(KEY, "tank", 60_000, NOW);
    const reason = (t: string | undefined, key = KEY, app = "tank") => {
      const check = verifyDashboardToken(key, app, t, NOW);
      assert.equal(check.valid, false);
      return (check as { reason: string }).reason;
    };
    assert.match(reason(token, Buffer.alloc(32, 4)), /signature is wrong/);
    assert.match(reason(token, KEY, "other"), /signature is wrong/);
    assert.match(reason(token.replace(".1800000060000.", ".1900000060000.")), /signature is wrong/);
    assert.match(reason(undefined), /no dashboard token/);
    assert.match(reason("sfdash.abc.def"), /malformed/);
  });

  it("accepts only the token as minted: an edited spelling of the same MAC or expiry is refused", () => {
    // A token whose MAC holds `-` or `_`, so their `+` `/` spelling is tried too.
    let ttl = 60_000;
    while (!/[-_]/.test(mintDashboardToken(KEY, "tank", ttl, NOW).split(".")[2])) ttl++;
    const token = mintDashboardToken(KEY, "tank", ttl, NOW);
    const mac = token.split(".")[2];
    // Node's base64url decoder skips characters outside the alphabet, takes `+/` too and ignores
    // the last character's unused bits: each of these decodes to the same 32 bytes.
    const lastBitsChanged = mac.slice(0, -1) + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(mac.at(-1)!) ^ 1)];
    const expiry = token.split(".")[1];
    const edited = [`${token}~~`, `${token}=`, token.replace(mac, lastBitsChanged), token.replace(`.${expiry}.`, `.0${expiry}.`), token.replace(mac, mac.replace(/-/g, "+").replace(/_/g, "/"))];
    assert.equal(verifyDashboardToken(KEY, "tank", token, NOW).valid, true);
    for (const t of edited) assert.equal(verifyDashboardToken(KEY, "tank", t, NOW).valid, false, t);
  });

  it("signs the role: an operator token verifies as operator, and editing the role breaks the signature", () => {
    const operator = mintDashboardToken(KEY, "tank", 60_000, NOW, "operator");
    assert.match(operator, /^sfdash\.operator\.1800000060000\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(verifyDashboardToken(KEY, "tank", operator, NOW), { valid: true, expiresAt: NOW + 60_000, role: "operator" });
    assert.equal(claimedDashboardRole(operator), "operator");
    const viewer = mintDashboardToken(KEY, "tank", 60_000, NOW);
    assert.equal(claimedDashboardRole(viewer), "viewer");
    const reason = (t: string) => (verifyDashboardToken(KEY, "tank", t, NOW) as { reason?: string }).reason ?? "accepted";
    // A viewer's MAC with an operator segment added, and an operator's MAC without it.
    assert.match(reason(viewer.replace("sfdash.", "sfdash.operator.")), /signature is wrong/);
    assert.match(reason(operator.replace("sfdash.operator.", "sfdash.")), /signature is wrong/);
    assert.match(reason(operator.replace(".operator.", ".admin.")), /unknown role "admin"/);
    assert.match(reason(operator.replace(".operator.", ".viewer.")), /unknown role "viewer"/);
    assert.throws(() => mintDashboardToken(KEY, "tank", 60_000, NOW, "root" as never), /role must be viewer or operator/);
  });

  it("lets operators do operator actions and tells a viewer which link it needs", () => {
    assert.deepEqual(roleMay("operator", "jobs:cancel"), { allowed: true });
    const refused = roleMay("viewer", "jobs:cancel");
    assert.equal(refused.allowed, false);
    assert.match((refused as { reason: string }).reason, /viewer link: to cancel an OTA job you need an operator link \(the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator\)/);
  });

  it("keys travel as base64url of 32 bytes; anything else is refused with what to use", () => {
    assert.deepEqual(decodeDashboardKey(encodeDashboardKey(KEY)), KEY);
    assert.throws(() => decodeDashboardKey("c2hvcnQ"), /must be 32 bytes.*got 5 bytes.*dashboardTokenKey/);
    assert.throws(() => mintDashboardToken(KEY, "tank", 0), /positive number of ms/);
  });
});
