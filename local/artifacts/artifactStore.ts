/** The local cloud's artifact store: OTA packages on disk, named by their sha256 (content
 * addressed: the same package is stored once and a name can't point at other bytes), served over
 * HTTPS with the local PKI's server certificate and only through expiring signed URLs, the way
 * S3 serves presigned URLs on AWS. */
import crypto from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { LocalPki } from "../certificates";
import { UrlSigner } from "./urlSigner";

export interface ArtifactStoreOptions {
  /** Packages live in `${stateDir}/artifacts`, the signing key in `${stateDir}/artifacts/.url-key`. */
  stateDir: string;
  pki: LocalPki;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  log?: (line: string) => void;
}

/** Presigned URLs on AWS live 60–3600 s; the same default lifetime as AWS IoT's placeholder. */
export const DEFAULT_URL_TTL_SECONDS = 3600;
/** A sha256, or the URL signing key: 256 bits as 64 lowercase hex digits. */
const HEX_256_BITS = /^[0-9a-f]{64}$/;

export class ArtifactStore {
  private constructor(
    private readonly dir: string,
    private readonly signer: UrlSigner,
    private readonly server: https.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(options: ArtifactStoreOptions): Promise<ArtifactStore> {
    const dir = path.join(options.stateDir, "artifacts");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const signer = new UrlSigner(loadOrCreateKey(path.join(dir, ".url-key")));
    const host = options.host ?? "127.0.0.1";
    const log = options.log ?? (() => {});
    const server = https.createServer({ cert: options.pki.server.certPem, key: options.pki.server.keyPem }, (req, res) => {
      const url = new URL(req.url ?? "/", "https://local");
      // Every refusal is logged: a device that can't download says only "failed" on its side.
      const refuse = (status: number, text: string) => {
        log(`artifacts: ${status} for ${url.pathname}: ${text}`);
        res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
      };
      if (req.method !== "GET" && req.method !== "HEAD") return refuse(405, "artifacts are read-only: use GET");
      const match = /^\/artifacts\/([0-9a-f]{64})$/.exec(url.pathname);
      if (!match) return refuse(404, "no such artifact");
      const sha256 = match[1];
      const check = signer.verify(sha256, url.searchParams.get("expires"), url.searchParams.get("signature"), Math.floor(Date.now() / 1000));
      if (!check.valid) return refuse(403, check.reason);
      const file = path.join(dir, sha256);
      if (!fs.existsSync(file)) return refuse(404, `artifact ${sha256} is not in the store`);
      const bytes = fs.readFileSync(file);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length, "x-amz-meta-sha256": sha256, "cache-control": "private, no-store" });
      // Stryker disable next-line ConditionalExpression: equivalent, Node's server drops a body given to a HEAD response; the test checks HEAD answers headers only
      res.end(req.method === "HEAD" ? undefined : bytes);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    return new ArtifactStore(dir, signer, server, host, (server.address() as AddressInfo).port);
  }

  /** Stores bytes under their sha256 (atomically: temp file + rename) and returns it. */
  put(bytes: Uint8Array): string {
    const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
    const file = path.join(this.dir, sha256);
    if (!fs.existsSync(file)) {
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, bytes);
      fs.renameSync(temp, file);
    }
    return sha256;
  }

  has(sha256: string): boolean {
    return HEX_256_BITS.test(sha256) && fs.existsSync(path.join(this.dir, sha256));
  }

  /** A download URL valid for `ttlSeconds`. */
  signedUrl(sha256: string, ttlSeconds = DEFAULT_URL_TTL_SECONDS, nowMs = Date.now()): string {
    if (!HEX_256_BITS.test(sha256)) throw new Error(`signedUrl: ${JSON.stringify(sha256)} is not a sha256 (64 lowercase hex digits)`);
    const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
    return `https://${this.host}:${this.port}/artifacts/${sha256}?${this.signer.sign(sha256, expiresAt)}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function loadOrCreateKey(file: string): Buffer {
  if (fs.existsSync(file)) {
    // Buffer.from(hex) stops silently at the first non-hex character: a damaged file would sign
    // with a shorter key, or an empty one.
    const hex = fs.readFileSync(file, "utf8").trim();
    if (!HEX_256_BITS.test(hex)) throw new Error(`artifact store: ${file} is not a URL signing key (64 hex digits); delete it and restart to make a new key (URLs handed out before then stop working)`);
    return Buffer.from(hex, "hex");
  }
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString("hex"), { mode: 0o600 });
  return key;
}
