import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { ensureLocalPki, type LocalPki } from "../certificates";
import { localArtifactUrl, resolveLocalArtifactUrl } from "../jobs/artifactUrls";
import { ArtifactStore } from "./artifactStore";

function get(url: string, ca: string, method = "GET"): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ca, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("artifact store: content-addressed packages behind expiring signed HTTPS URLs", function () {
  this.timeout(30_000);
  let stateDir: string;
  let pki: LocalPki;
  let store: ArtifactStore;
  const logged: string[] = [];
  const log = (line: string) => logged.push(line);
  const bytes = new Uint8Array(Buffer.from("SFPK package bytes"));

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-artifacts-"));
    pki = await ensureLocalPki(stateDir);
    store = await ArtifactStore.start({ stateDir, pki, log });
  });
  after(async () => {
    await store.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("stores by sha256 once and serves the bytes over TLS the local CA vouches for", async () => {
    const sha = store.put(bytes);
    assert.equal(store.put(bytes), sha);
    assert.match(sha, /^[0-9a-f]{64}$/);
    const res = await get(store.signedUrl(sha), pki.caCertPem);
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(res.body), bytes);
    assert.equal(res.headers["x-amz-meta-sha256"], sha);
    assert.equal(res.headers["content-type"], "application/octet-stream");
  });

  it("refuses tampered, foreign, expired and unsigned URLs with 403 and the reason", async () => {
    const sha = store.put(bytes);
    const url = new URL(store.signedUrl(sha));
    const tampered = new URL(url);
    tampered.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 1));
    const expired = store.signedUrl(sha, 60, Date.now() - 3_600_000);
    const cases: [string, RegExp][] = [
      [tampered.href, /signature does not match/],
      [expired, /the URL expired at/],
      [`${url.origin}${url.pathname}`, /lacks a valid expires\/signature/],
    ];
    for (const [href, reason] of cases) {
      logged.length = 0;
      const res = await get(href, pki.caCertPem);
      assert.equal(res.status, 403, href);
      assert.match(res.body.toString(), reason);
      assert.equal(res.headers["content-type"], "text/plain; charset=utf-8", "the reason is text a person reads");
      // The device only sees a failed download: the cloud's log says which URL and why.
      assert.equal(logged.length, 1, href);
      assert.match(logged[0], new RegExp(`^artifacts: 403 for /artifacts/${sha}: `));
      assert.match(logged[0], reason);
    }
    // A URL for one artifact doesn't open another.
    const other = store.put(new Uint8Array([1, 2, 3]));
    const swapped = store.signedUrl(sha).replace(sha, other);
    assert.equal((await get(swapped, pki.caCertPem)).status, 403);
  });

  it("artifact URLs expire after their lifetime: a 60 s URL works 50 s after signing and is refused 61 s after", async () => {
    const sha = store.put(bytes);
    const now = Date.now();
    const young = store.signedUrl(sha, 60, now - 50_000);
    const old = store.signedUrl(sha, 60, now - 61_000);
    assert.equal(Number(new URL(young).searchParams.get("expires")), Math.floor((now - 50_000) / 1000) + 60, "expires = signing time + lifetime, in seconds");
    assert.equal((await get(young, pki.caCertPem)).status, 200);
    const refused = await get(old, pki.caCertPem);
    assert.equal(refused.status, 403);
    assert.match(refused.body.toString(), /the URL expired at/);
    // The default lifetime is AWS's presigned-URL maximum, one hour.
    assert.equal(Number(new URL(store.signedUrl(sha, undefined, now)).searchParams.get("expires")), Math.floor(now / 1000) + 3600);
    assert.equal((await get(store.signedUrl(sha, undefined, now - 3_601_000), pki.caCertPem)).status, 403);
  });

  it("serves only /artifacts/<sha256>: a signed sha256 under another path, or with more after it, is 404", async () => {
    const sha = store.put(bytes);
    const url = new URL(store.signedUrl(sha));
    for (const pathname of [`/mirror${url.pathname}`, `${url.pathname}/more`, `${url.pathname}x`]) {
      const res = await get(`${url.origin}${pathname}${url.search}`, pki.caCertPem);
      assert.equal(res.status, 404, pathname);
    }
  });

  it("signs URLs only for a sha256 (64 lowercase hex digits, nothing around them)", () => {
    const sha = store.put(bytes);
    for (const bad of [`${sha}0`, `0${sha}`, sha.toUpperCase(), sha.slice(1), `../${sha}`]) assert.throws(() => store.signedUrl(bad), /is not a sha256 \(64 lowercase hex digits\)/, bad);
  });

  it("has() is true for a stored package only, never for a path outside the store", () => {
    const sha = store.put(bytes);
    assert.equal(store.has(sha), true);
    assert.equal(store.has("f".repeat(64)), false);
    for (const outside of ["..", ".", ".url-key", `${sha}/..`]) assert.equal(store.has(outside), false, outside);
  });

  it("HEAD answers the headers of a download without its bytes", async () => {
    const sha = store.put(bytes);
    const res = await get(store.signedUrl(sha), pki.caCertPem, "HEAD");
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers["content-length"]), bytes.length);
    assert.equal(res.body.length, 0);
  });

  it("a package already stored is not written again (the stored file stays the same file)", () => {
    const sha = store.put(bytes);
    const file = path.join(stateDir, "artifacts", sha);
    const before = fs.statSync(file).ino;
    store.put(bytes);
    assert.equal(fs.statSync(file).ino, before);
    assert.deepEqual(fs.readdirSync(path.join(stateDir, "artifacts")).filter((f) => f.endsWith(".tmp")), [], "no temp file left behind");
  });

  it("the URL signing key is a secret: its file is readable by the owner only", () => {
    assert.equal(fs.statSync(path.join(stateDir, "artifacts", ".url-key")).mode & 0o777, 0o600);
  });

  it("answers 404 for unknown artifacts and paths, 405 for writes", async () => {
    const unknown = "0".repeat(64);
    assert.equal((await get(store.signedUrl(unknown), pki.caCertPem)).status, 404);
    assert.equal((await get(`https://127.0.0.1:${store.port}/etc/passwd`, pki.caCertPem)).status, 404);
    assert.equal((await get(store.signedUrl(store.put(bytes)), pki.caCertPem, "PUT")).status, 405);
    assert.throws(() => store.signedUrl("../x"), /is not a sha256/);
  });

  it("keeps the signing key across restarts, so URLs handed out before still work (even after an editor adds a newline to the key file)", async () => {
    const sha = store.put(bytes);
    const url = store.signedUrl(sha);
    await store.stop();
    fs.appendFileSync(path.join(stateDir, "artifacts", ".url-key"), "\n");
    store = await ArtifactStore.start({ stateDir, pki, log, port: Number(new URL(url).port) });
    assert.equal((await get(url, pki.caCertPem)).status, 200);
  });

  it("refuses a damaged signing key file at start, naming the file and what to do", async () => {
    const otherState = fs.mkdtempSync(path.join(os.tmpdir(), "sf-artifacts-key-"));
    try {
      const keyFile = path.join(otherState, "artifacts", ".url-key");
      fs.mkdirSync(path.dirname(keyFile), { recursive: true });
      for (const damaged of ["", "ab".repeat(31), `${"ab".repeat(32)}x`, `  ${"zz".repeat(32)}`]) {
        fs.writeFileSync(keyFile, damaged);
        // A store that starts anyway is stopped, so a failure here can't leave a server running.
        const error = await ArtifactStore.start({ stateDir: otherState, pki }).then(
          async (started) => void (await started.stop()),
          (e: Error) => e,
        );
        assert.ok(error instanceof Error, `started with the key file ${JSON.stringify(damaged)}`);
        assert.ok(error.message.includes(keyFile), error.message);
        assert.match(error.message, /is not a URL signing key \(64 hex digits\); delete it and restart/);
      }
    } finally {
      fs.rmSync(otherState, { recursive: true, force: true });
    }
  });

  it("job documents hold a placeholder that becomes a fresh signed URL at each read", () => {
    const sha = "a".repeat(64);
    const doc = { operation: "snapfleet.install", url: localArtifactUrl(sha) };
    const resolved = resolveLocalArtifactUrl(doc, (s) => `https://x/artifacts/${s}?sig`);
    assert.equal(resolved.url, `https://x/artifacts/${sha}?sig`);
    assert.equal(doc.url, localArtifactUrl(sha), "the stored document is not changed");
    assert.deepEqual(resolveLocalArtifactUrl({ url: "https://elsewhere" }, () => "no"), { url: "https://elsewhere" });
  });
});
