import assert from "node:assert/strict";
import { encodeDashboardKey, verifyDashboardToken } from "../core/contracts/dashboardToken";
import { createAuthorizerHandler } from "../lambda/authorizer/handler";
import { dashboardLinkCommand, DASHBOARD_KEY_ENV } from "./dashboardLinkCommand";

const KEY = Buffer.alloc(32, 5);
const ENV = { [DASHBOARD_KEY_ENV]: encodeDashboardKey(KEY) };
const NOW = 1_800_000_000_000;

describe("snapfleet dashboard-link", () => {
  it("prints the dashboard URL with a token in the fragment that the deployed authorizer accepts", async () => {
    const link = dashboardLinkCommand({ values: { url: "https://d1234.cloudfront.net/", app: "tank", hours: "2" }, positionals: [] }, ENV, NOW);
    const match = /^https:\/\/d1234\.cloudfront\.net\/#token=(sfdash\.\d+\.[A-Za-z0-9_-]+)$/.exec(link);
    assert.ok(match, link);
    assert.equal(match[1].split(".")[1], String(NOW + 2 * 60 * 60 * 1000));
    const authorize = createAuthorizerHandler({ app: "tank", region: "eu-west-1", account: "123456789012", channels: [], loadKey: async () => KEY, now: () => NOW });
    const response = await authorize({ protocolData: { mqtt: { clientId: "sf-tank-dashboard-1", password: Buffer.from(match[1]).toString("base64") } } });
    assert.equal(response.isAuthenticated, true);
  });

  it("--role operator signs the operator role into the token; the authorizer and the jobs API see it", async () => {
    const link = dashboardLinkCommand({ values: { url: "https://d1234.cloudfront.net/", app: "tank", role: "operator" }, positionals: [] }, ENV, NOW);
    const token = decodeURIComponent(link.split("#token=")[1]);
    assert.match(token, /^sfdash\.operator\.\d+\./);
    assert.deepEqual(verifyDashboardToken(KEY, "tank", token, NOW), { valid: true, expiresAt: NOW + 12 * 60 * 60 * 1000, role: "operator" });
    const viewer = decodeURIComponent(dashboardLinkCommand({ values: { url: "https://x/", app: "tank" }, positionals: [] }, ENV, NOW).split("#token=")[1]);
    assert.equal((verifyDashboardToken(KEY, "tank", viewer, NOW) as { role: string }).role, "viewer");
    assert.throws(() => dashboardLinkCommand({ values: { url: "https://x/", app: "tank", role: "admin" }, positionals: [] }, ENV, NOW), /--role must be one of viewer, operator, got "admin"/);
  });

  it("says how to provide the key when it is missing or malformed", () => {
    const args = { values: { url: "https://d1234.cloudfront.net/", app: "tank" }, positionals: [] };
    assert.throws(() => dashboardLinkCommand(args, {}, NOW), /set SNAPFLEET_DASHBOARD_KEY.*pulumi stack output dashboardTokenKey --show-secrets/s);
    assert.throws(() => dashboardLinkCommand(args, { [DASHBOARD_KEY_ENV]: "abc" }, NOW), /SNAPFLEET_DASHBOARD_KEY: dashboard key must be 32 bytes/);
  });

  it("refuses a missing URL, an invalid app name and a bad lifetime", () => {
    assert.throws(() => dashboardLinkCommand({ values: { app: "tank" }, positionals: [] }, ENV), /needs --url/);
    assert.throws(() => dashboardLinkCommand({ values: { url: "https://x/", app: "Tank!" }, positionals: [] }, ENV), /--app: app name "Tank!" is invalid/);
    assert.throws(() => dashboardLinkCommand({ values: { url: "https://x/", app: "tank", hours: "-1" }, positionals: [] }, ENV), /--hours must be a number/);
    // A URL given but not one: say what is wrong with it, not that it is missing.
    assert.throws(() => dashboardLinkCommand({ values: { url: "d1.cloudfront.net", app: "tank" }, positionals: [] }, ENV), /^UsageError: --url must be the dashboard's address, starting with https:\/\/ \(the stack output dashboardUrl\), got d1\.cloudfront\.net$/);
    // The range says what is accepted: 0 is not.
    assert.throws(() => dashboardLinkCommand({ values: { url: "https://x/", app: "tank", hours: "0" }, positionals: [] }, ENV), /^UsageError: --hours must be a number above 0 and at most 720, got 0$/);
  });
});
