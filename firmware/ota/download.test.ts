import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ensureLocalPki, type LocalPki } from "../../local/certificates";
import { download, MAX_CONNECTIONS, MAX_REDIRECTS } from "./download";

/** What S3 sends for the failures a device meets (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
const s3Error = (code: string, message: string, extra = "") =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>4442587FB7D0A2F9</RequestId></Error>`;

const PACKAGE = Buffer.from("SFPK package bytes for the download test");
const SIGNED = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=deadbeefsecret";

describe("OTA download follows what S3 answers (local HTTPS server speaking S3)", function () {
  this.timeout(30_000);
  let stateDir: string;
  let pki: LocalPki;
  let server: https.Server;
  let base: string;
  const hits: string[] = [];
  /** TLS connections the server accepted, and the requests each one carried. */
  let connections = 0;
  const requestsOn = new WeakMap<object, number>();

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-download-"));
    pki = await ensureLocalPki(stateDir);
    server = https.createServer({ cert: pki.server.certPem, key: pki.server.keyPem }, (req, res) => {
      const url = new URL(req.url!, base);
      hits.push(url.pathname);
      const onThisSocket = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, onThisSocket);
      const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": typeof body === "string" ? "application/xml" : "application/octet-stream", ...headers });
        res.end(body);
      };
      switch (url.pathname) {
        case "/bucket/ok.sfpk":
          return send(200, PACKAGE);
        case "/bucket/new-bucket.sfpk":
          // A new bucket: S3 sends the client to the bucket's regional endpoint, query kept.
          return send(307, s3Error("TemporaryRedirect", "Please re-send this request to the specified temporary endpoint."), { location: `${base}/bucket/ok.sfpk${url.search}` });
        case "/bucket/wrong-region.sfpk":
          return send(301, s3Error("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", "<Endpoint>bucket.s3.eu-west-1.amazonaws.com</Endpoint>"), { "x-amz-bucket-region": "eu-west-1" });
        case "/bucket/expired.sfpk":
          return send(403, s3Error("AccessDenied", "Request has expired"));
        case "/bucket/missing.sfpk":
          return send(404, s3Error("NoSuchKey", "The specified key does not exist."));
        case "/bucket/busy.sfpk":
          return send(503, s3Error("SlowDown", "Please reduce your request rate."));
        case "/bucket/loop.sfpk":
          return send(307, "", { location: `${base}/bucket/loop.sfpk${url.search}` });
        case "/bucket/to-http.sfpk":
          return send(302, "", { location: `http://127.0.0.1:1/bucket/ok.sfpk${url.search}` });
        case "/bucket/too-big.sfpk":
          return send(200, Buffer.alloc(PACKAGE.length * 2, 1), { "content-length": String(PACKAGE.length * 2) });
        case "/bucket/too-big-unannounced.sfpk":
          // No Content-Length (chunked): the cap applies while reading.
          res.writeHead(200, { "content-type": "application/octet-stream" });
          res.write(Buffer.alloc(PACKAGE.length, 1));
          return res.end(Buffer.alloc(PACKAGE.length, 2));
        case "/bucket/exact-announced.sfpk":
          // Content-Length equal to the job document's size: exactly what was announced.
          return send(200, PACKAGE, { "content-length": String(PACKAGE.length) });
        case "/bucket/relative-redirect.sfpk":
          return send(307, "", { location: `/bucket/ok.sfpk${url.search}` });
        case "/bucket/code-only.sfpk":
          return send(404, s3Error("NoSuchBucket", "").replace("<Message></Message>", ""));
        case "/bucket/padded.sfpk":
          // S3 error documents are small: whatever comes after the first 4 KB is not read as one.
          return send(400, `${" ".repeat(8192)}${s3Error("InvalidRequest", "read past the cap")}`);
        case "/bucket/spaced.sfpk":
          return send(403, s3Error("  AccessDenied  ", "  Request has expired  "));
        case "/bucket/html.sfpk":
          // A proxy's page, not S3: its start, cut short, is all a reason needs.
          return send(502, `\n  <html>${"x".repeat(400)}</html>`, { "content-type": "text/html" });
        case "/bucket/internal.sfpk":
          return send(500, s3Error("InternalError", "We encountered an internal error. Please try again."));
        case "/bucket/throttled.sfpk":
          // SlowDown is a 503 on S3; the advice to retry follows the code, whatever the status.
          return send(429, s3Error("SlowDown", "Please reduce your request rate."));
        case "/bucket/forbidden-empty.sfpk":
          return send(403, "  ");
        case "/bucket/closes-reused.sfpk":
          // A server closing a kept-alive connection just as the client reuses it.
          if (onThisSocket > 1) return req.socket.destroy();
          return send(200, PACKAGE);
        case "/bucket/garbage-on-reuse.sfpk":
          // Not HTTP on a kept connection: a broken server, not a closed connection.
          if (onThisSocket > 1) return void req.socket.end("HTTP/9.9 what\r\n\r\n");
          return send(200, PACKAGE);
        case "/bucket/resets.sfpk":
          return req.socket.destroy();
        default:
          if (url.pathname.startsWith("/bucket/hops-")) {
            // hops-N redirects N more times, then lands on the package.
            const left = Number(url.pathname.slice("/bucket/hops-".length, -".sfpk".length));
            return send(307, "", { location: `${base}/bucket/${left > 1 ? `hops-${left - 1}.sfpk` : "ok.sfpk"}${url.search}` });
          }
          return send(500, "unexpected");
      }
    });
    server.on("secureConnection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const fetchKey = (key: string) => download(`${base}/bucket/${key}${SIGNED}`, PACKAGE.length, pki.caCertPem);

  it("downloads the package", async () => {
    assert.deepEqual(Buffer.from(await fetchKey("ok.sfpk")), PACKAGE);
  });

  it("trusts only the CA it is given: the server is refused with another CA, even right after a download with the right one", async () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-download-other-"));
    try {
      const other = await ensureLocalPki(otherDir);
      assert.deepEqual(Buffer.from(await fetchKey("ok.sfpk")), PACKAGE);
      await assert.rejects(download(`${base}/bucket/ok.sfpk${SIGNED}`, PACKAGE.length, other.caCertPem), /self[- ]signed|unable to verify|certificate/i);
      assert.deepEqual(Buffer.from(await fetchKey("ok.sfpk")), PACKAGE, "and the right CA still works after it");
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it("keeps the connection for the next download with the same CA (one TLS handshake, not one per download)", async () => {
    await fetchKey("ok.sfpk");
    const before = connections;
    for (let i = 0; i < 3; i++) assert.deepEqual(Buffer.from(await fetchKey("ok.sfpk")), PACKAGE);
    assert.equal(connections, before, "three downloads in a row went over the connection kept from the one before");
  });

  it(`opens at most MAX_CONNECTIONS (${MAX_CONNECTIONS}) connections for many downloads at once, and every download completes`, async () => {
    const before = connections;
    const all = await Promise.all(Array.from({ length: MAX_CONNECTIONS * 3 }, () => fetchKey("ok.sfpk")));
    for (const bytes of all) assert.deepEqual(Buffer.from(bytes), PACKAGE);
    assert.ok(connections - before <= MAX_CONNECTIONS, `${connections - before} new connections`);
  });

  it("sends the request again on a new connection when the server closed the kept one as it was reused", async () => {
    // Two kept connections, so a second try through the pool would meet the other stale one.
    await Promise.all([fetchKey("ok.sfpk"), fetchKey("ok.sfpk")]);
    const before = connections;
    hits.length = 0;
    assert.deepEqual(Buffer.from(await fetchKey("closes-reused.sfpk")), PACKAGE);
    assert.deepEqual(hits, ["/bucket/closes-reused.sfpk", "/bucket/closes-reused.sfpk"], "once on the kept connection, once more on a new one");
    assert.equal(connections, before + 1);
  });

  it("tries a new connection once only, and a kept one that answers what isn't HTTP not again", async () => {
    await fetchKey("ok.sfpk");
    hits.length = 0;
    await assert.rejects(fetchKey("resets.sfpk"), /socket hang up|ECONNRESET/);
    assert.deepEqual(hits, ["/bucket/resets.sfpk", "/bucket/resets.sfpk"], "on the kept connection, then once on a new one, whose reset is the server's answer");
    await fetchKey("ok.sfpk");
    hits.length = 0;
    await assert.rejects(fetchKey("garbage-on-reuse.sfpk"), /Parse Error|HPE_/);
    assert.deepEqual(hits, ["/bucket/garbage-on-reuse.sfpk"]);
  });

  it("follows S3's 307 Temporary Redirect to the same object", async () => {
    hits.length = 0;
    assert.deepEqual(Buffer.from(await fetchKey("new-bucket.sfpk")), PACKAGE);
    assert.deepEqual(hits, ["/bucket/new-bucket.sfpk", "/bucket/ok.sfpk"]);
  });

  it("takes a Content-Length of exactly the announced size", async () => {
    assert.deepEqual(Buffer.from(await fetchKey("exact-announced.sfpk")), PACKAGE);
  });

  it("resolves a relative Location against the URL it came from", async () => {
    assert.deepEqual(Buffer.from(await fetchKey("relative-redirect.sfpk")), PACKAGE);
  });

  it(`follows up to MAX_REDIRECTS (${MAX_REDIRECTS}) redirects, and stops at the next one`, async () => {
    hits.length = 0;
    assert.deepEqual(Buffer.from(await fetchKey(`hops-${MAX_REDIRECTS}.sfpk`)), PACKAGE);
    assert.equal(hits.length, MAX_REDIRECTS + 1);
    hits.length = 0;
    await assert.rejects(fetchKey(`hops-${MAX_REDIRECTS + 1}.sfpk`), new RegExp(`^Error: download failed: more than ${MAX_REDIRECTS} redirects \\(last to https://127\\.0\\.0\\.1:\\d+/bucket/ok\\.sfpk\\)$`));
    assert.equal(hits.length, MAX_REDIRECTS + 1, "the redirect past the limit is not followed");
  });

  it("refuses a URL that isn't https, without its signature", async () => {
    await assert.rejects(download(`http://127.0.0.1:1/bucket/ok.sfpk${SIGNED}`, PACKAGE.length, pki.caCertPem), (e: Error) => {
      assert.equal(e.message, "refusing to download over anything but https: http://127.0.0.1:1/bucket/ok.sfpk");
      return true;
    });
  });

  const failures: [string, RegExp][] = [
    ["wrong-region.sfpk", /^download failed: HTTP 301 PermanentRedirect: The bucket you are attempting to access must be addressed using the specified endpoint\. \(S3 says to use endpoint bucket\.s3\.eu-west-1\.amazonaws\.com\) \(bucket region eu-west-1\)$/],
    ["expired.sfpk", /^download failed: HTTP 403 AccessDenied: Request has expired$/],
    ["missing.sfpk", /^download failed: HTTP 404 NoSuchKey: The specified key does not exist\.$/],
    ["busy.sfpk", /^download failed: HTTP 503 SlowDown: Please reduce your request rate\.; S3 is busy or failing, a later attempt may succeed$/],
    ["loop.sfpk", new RegExp(`^download failed: more than ${MAX_REDIRECTS} redirects \\(last to https://127\\.0\\.0\\.1:\\d+/bucket/loop\\.sfpk\\)$`)],
    ["to-http.sfpk", /^download failed: HTTP 302 redirects to http:\/\/127\.0\.0\.1:1\/bucket\/ok\.sfpk, which is not https$/],
    ["too-big.sfpk", /^download failed: the server announces \d+ bytes, more than the \d+ the job document announced$/],
    ["too-big-unannounced.sfpk", /^download failed: the download is larger than the \d+ bytes the job document announced$/],
    ["code-only.sfpk", /^download failed: HTTP 404 NoSuchBucket$/],
    ["padded.sfpk", /^download failed: HTTP 400$/],
    ["spaced.sfpk", /^download failed: HTTP 403 AccessDenied: Request has expired$/],
    ["html.sfpk", new RegExp(`^download failed: HTTP 502 <html>${"x".repeat(194)}; S3 is busy or failing, a later attempt may succeed$`)],
    ["internal.sfpk", /^download failed: HTTP 500 InternalError: We encountered an internal error\. Please try again\.; S3 is busy or failing, a later attempt may succeed$/],
    ["throttled.sfpk", /^download failed: HTTP 429 SlowDown: Please reduce your request rate\.; S3 is busy or failing, a later attempt may succeed$/],
    ["forbidden-empty.sfpk", /^download failed: HTTP 403$/],
    ["unknown.sfpk", /^download failed: HTTP 500 unexpected; S3 is busy or failing, a later attempt may succeed$/],
  ];
  for (const [key, expected] of failures) {
    it(`fails ${key} with S3's reason, without the URL's signature`, async () => {
      const error = await fetchKey(key).then(
        () => assert.fail("downloaded"),
        (e: Error) => e,
      );
      assert.match(error.message, expected);
      assert.ok(!error.message.includes("deadbeefsecret") && !error.message.includes("AKIDEXAMPLE"), error.message);
    });
  }
});
