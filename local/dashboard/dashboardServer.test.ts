import assert from "node:assert/strict";
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { encodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { decodeFleetStatusPage, FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import { FleetStatusTable } from "../../core/fleetStatus";
import { DashboardTokens } from "../broker";
import { startDashboardServer, type DashboardBroker, type DashboardServer } from "./index";

/** Raw requests: fetch would normalize `..` away before the server sees it. */
function request(origin: string, method: string, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method, path: rawPath }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("local dashboard server", () => {
  let dir: string;
  let bundleDir: string;
  let buildDir: string;
  let server: DashboardServer;
  const issued: string[] = [];
  const tokens = new DashboardTokens("grow");
  const fleetStatus = new FleetStatusTable();
  const broker: DashboardBroker = {
    verifyDashboardToken: (token) => tokens.verify(token),
    fleetStatus,
    app: "grow",
    webSocketUrl: "ws://127.0.0.1:4567/mqtt",
    issueDashboardToken: () => {
      issued.push(`sfdash.${issued.length}.mac`);
      return issued[issued.length - 1];
    },
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sf-dashboard-server-"));
    bundleDir = path.join(dir, "bundle");
    buildDir = path.join(dir, "build");
    fs.mkdirSync(bundleDir);
    fs.mkdirSync(buildDir);
    fs.writeFileSync(path.join(bundleDir, "index.html"), "<!doctype html><title>x</title>");
    fs.writeFileSync(path.join(bundleDir, "app-ABCDEF12.js"), "console.log(1)");
    fs.writeFileSync(path.join(bundleDir, "microvium-ABCDEF12.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d]));
    fs.writeFileSync(path.join(buildDir, "manifest.json"), '{"version":"one"}');
    fs.writeFileSync(path.join(buildDir, "web.snap"), Buffer.from([1, 2, 3]));
    fs.writeFileSync(path.join(dir, "secret.txt"), "outside the bundle");
    // The device snapshot holds secret values: it must never be served.
    fs.writeFileSync(path.join(buildDir, "device.snap"), "outside the bundle: wifi password");
    server = await startDashboardServer({ bundleDir, buildDir, broker });
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the fleet status in pages to a valid dashboard token only", async () => {
    for (const [i, thing] of ["gh-3", "gh-1", "gh-2"].entries()) {
      fleetStatus.apply(thing, encodeDeviceStatus({ online: i !== 1, version: `v${i}`, bootId: "b", t: 10 + i }), 100 + i);
    }
    const get = async (query: string, token: string | null = tokens.issue()) => {
      const response = await fetch(`${server.origin}/api/fleet-status${query}`, { headers: token === null ? {} : { [FLEET_STATUS_TOKEN_HEADER]: token } });
      const body = (await response.json()) as { next?: string; error?: string };
      return { status: response.status, cache: response.headers.get("cache-control"), body, page: response.ok ? decodeFleetStatusPage(body) : undefined };
    };
    const first = await get("?limit=2");
    assert.equal(first.status, 200);
    assert.equal(first.cache, "no-store");
    assert.deepEqual(first.page?.devices.map((d) => `${d.thing}:${d.online}`), ["gh-1:false", "gh-2:true"]);
    assert.equal(first.body.next, "gh-2");
    const second = await get(`?limit=2&after=${first.body.next}`);
    // The local table lists in name order and says so (the page draws its first screen from it).
    assert.deepEqual(second.body, { thing: ["gh-3"], online: [1], versions: ["v0"], version: [0], bootId: ["b"], t: [10], receivedAt: [100], order: "thing" });

    const withoutToken = await get("", null);
    assert.equal(withoutToken.status, 401);
    // an HTTP request sends the token in a header, not as an MQTT password
    assert.equal(withoutToken.body.error, "dashboard token refused: no dashboard token (send it in the x-snapfleet-token header)");
    const forged = await get("", "sfdash.99999999999999.AAAA");
    assert.equal(forged.status, 401);
    assert.match(forged.body.error ?? "", /dashboard token refused/);
    assert.match((await get("?limit=0")).body.error ?? "", /limit must be an integer from 1 to 1000, got "0"/);
    assert.match((await get("?after=..%2Fetc")).body.error ?? "", /after must be the "next" cursor/);
  });

  it("hands out a loopback URL whose token is in the fragment only", () => {
    const url = new URL(server.url);
    assert.equal(url.hostname, "127.0.0.1");
    assert.equal(url.pathname, "/");
    assert.equal(url.search, "");
    assert.equal(url.hash, `#token=${issued[0]}`);
  });

  it("serves the page, never cached, with a CSP that allows only this origin, the broker and wasm", async () => {
    const res = await request(server.origin, "GET", "/");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.match(String(res.headers["content-security-policy"]), /connect-src 'self' ws:\/\/127\.0\.0\.1:4567;/);
    assert.match(String(res.headers["content-security-policy"]), /script-src 'self' 'wasm-unsafe-eval'/);
    assert.equal(res.body.toString(), "<!doctype html><title>x</title>");
  });

  it("serves content-hashed files as immutable with their content types", async () => {
    const js = await request(server.origin, "GET", "/app-ABCDEF12.js");
    assert.equal(js.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(js.headers["cache-control"], "public, max-age=31536000, immutable");
    const wasm = await request(server.origin, "GET", "/microvium-ABCDEF12.wasm");
    assert.equal(wasm.headers["content-type"], "application/wasm");
    assert.deepEqual([...wasm.body], [0, 0x61, 0x73, 0x6d]);
  });

  it("generates dashboard-config.json from the broker", async () => {
    const res = await request(server.origin, "GET", "/dashboard-config.json");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.deepEqual(JSON.parse(res.body.toString()), { app: "grow", mqtt: { url: "ws://127.0.0.1:4567/mqtt", username: "dashboard" } });
  });

  it("reads manifest.json and web.snap from the build folder on every request (a rebuild needs no restart)", async () => {
    assert.equal((await request(server.origin, "GET", "/manifest.json")).body.toString(), '{"version":"one"}');
    fs.writeFileSync(path.join(buildDir, "manifest.json"), '{"version":"two"}');
    const res = await request(server.origin, "GET", "/manifest.json");
    assert.equal(res.body.toString(), '{"version":"two"}');
    assert.equal(res.headers["cache-control"], "no-cache");
    const snap = await request(server.origin, "GET", "/web.snap");
    assert.equal(snap.headers["content-type"], "application/octet-stream");
    assert.deepEqual([...snap.body], [1, 2, 3]);
  });

  it("answers HEAD without a body", async () => {
    const res = await request(server.origin, "HEAD", "/app-ABCDEF12.js");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-length"], String("console.log(1)".length));
    assert.equal(res.body.length, 0);
  });

  it("serves nothing outside the bundle: traversal, encoded traversal, subfolders and unknown files are 404", async () => {
    for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/.hidden", "/sub/app-ABCDEF12.js", "/missing.js", "/device.snap"]) {
      const res = await request(server.origin, "GET", p);
      assert.equal(res.status, 404, `${p} → ${res.status}`);
      assert.doesNotMatch(res.body.toString(), /outside the bundle/);
    }
  });

  it("refuses writes with 405", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = await request(server.origin, method, "/index.html");
      assert.equal(res.status, 405);
      assert.equal(res.headers.allow, "GET, HEAD");
    }
  });

  it("says what to run when the bundle or the build is missing", async () => {
    await assert.rejects(startDashboardServer({ bundleDir: path.join(dir, "nope"), buildDir, broker }), /index\.html not found; run `npm run build`/);
    await assert.rejects(startDashboardServer({ bundleDir, buildDir: path.join(dir, "nope"), broker }), /manifest\.json not found; run `snapfleet build/);
  });
});
