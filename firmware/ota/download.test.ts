import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ensureLocalPki, type LocalPki } from "../../local/certificates";
import { download, MAX_REDIRECTS } from "./download";

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

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-download-"));
    pki = await ensureLocalPki(stateDir);
    server = https.createServer({ cert: pki.server.certPem, key: pki.server.keyPem }, (req, res) => {
      const url = new URL(req.url!, base);
      hits.push(url.pathname);
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
        default:
          return send(500, "unexpected");
      }
    });
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

  it("follows S3's 307 Temporary Redirect to the same object", async () => {
    hits.length = 0;
    assert.deepEqual(Buffer.from(await fetchKey("new-bucket.sfpk")), PACKAGE);
    assert.deepEqual(hits, ["/bucket/new-bucket.sfpk", "/bucket/ok.sfpk"]);
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
