/** Downloads an OTA package over HTTPS. `caCertPem` pins the local cloud's CA; on AWS it is
 * omitted and S3's presigned URL is checked against the system trust store. A size cap stops a
 * wrong or hostile server from filling the device's memory.
 *
 * S3 answers more than 200 (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
 * a 307 Temporary Redirect with a Location while a new bucket's DNS settles, a 301
 * PermanentRedirect naming the right endpoint when the URL has the wrong region, 403 AccessDenied
 * ("Request has expired") for an expired presigned URL, 404 NoSuchKey, 503 SlowDown. Redirects
 * with a Location are followed (https only, a few hops); everything else fails with S3's own
 * error code and message, which end up in the job execution's status details. */
import https from "node:https";
import tls from "node:tls";

/** Enough for S3's 307 and one more hop; a loop is a server fault, not something to wait out. */
export const MAX_REDIRECTS = 3;
/** S3 error documents are small; more is not an error document. */
const MAX_ERROR_BODY = 4096;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One keep-alive agent for the last CA asked for (a device knows one cloud; a local fleet host
 * runs 250 devices of the one local CA). Each new connection would otherwise cost a full TLS
 * handshake on both ends, and Node would parse the CA into a new context every time (1–2 ms of
 * the calling thread): a local fleet of 1,000 downloads 2,000 times as it boots and updates.
 * Sharing connections between the devices of a process is sound because a presigned URL carries
 * its own authorization in its query: the server (S3, or the local artifact store) checks each
 * request's signature, never who holds the connection (no client certificate is involved).
 * Connections of another CA are never shared: the agent, and so its pool, belongs to one CA. */
let lastAgent: (Connections & { caCertPem: string | undefined }) | undefined;
function connectionsFor(caCertPem: string | undefined): Connections {
  if (!lastAgent || lastAgent.caCertPem !== caCertPem) {
    // The previous CA's agent is not destroyed (that would break its downloads in flight): its
    // idle connections close by themselves after IDLE_CONNECTION_MS.
    // No `ca`: the system trust store (S3 on AWS).
    // Stryker disable next-line ConditionalExpression: equivalent: a context made without `ca` trusts the system store, as Node's default one does
    const secureContext = caCertPem === undefined ? undefined : tls.createSecureContext({ ca: caCertPem });
    // An idle connection is dropped before Node's default server keep-alive of 5 s could close it
    // under a request (S3 keeps idle connections longer); a close that races a request anyway
    // is retried once on a new connection (get()).
    lastAgent = { caCertPem, secureContext, agent: new https.Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS, timeout: IDLE_CONNECTION_MS, secureContext } as https.AgentOptions) };
  }
  return lastAgent;
}

/** The pool of one CA, and its TLS context for a connection outside the pool. */
interface Connections {
  agent: https.Agent;
  secureContext: tls.SecureContext | undefined;
}
/** How long an idle download connection is kept for the next download. */
const IDLE_CONNECTION_MS = 3000;
/** Downloads at once per process (a device downloads one package at a time; a fleet host's 250
 * devices all download when a job reaches them): the others wait for a kept connection instead
 * of each opening its own. 200 downloads of the local artifact store at once, client and server
 * in one process (load average about 8): 1.9 ms of CPU and 4.3 ms each with this bound, 5.3 ms
 * and 12.7 ms without it, 8.2 ms and 20 ms with a new connection per download. The 30 s timeout
 * starts once a download has its connection: a stalled server fails 16 of them every 30 s. */
export const MAX_CONNECTIONS = 16;

export async function download(url: string, maxBytes: number, caCertPem?: string): Promise<Uint8Array> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const answer = await get(current, maxBytes, connectionsFor(caCertPem));
    if (answer.kind === "body") return answer.bytes;
    if (answer.kind === "error") throw new Error(`download failed: ${answer.reason}`);
    if (hop >= MAX_REDIRECTS) throw new Error(`download failed: more than ${MAX_REDIRECTS} redirects (last to ${withoutQuery(answer.location)})`);
    current = answer.location;
  }
}

type Answer = { kind: "body"; bytes: Uint8Array } | { kind: "redirect"; location: string } | { kind: "error"; reason: string };

function get(url: string, maxBytes: number, connections: Connections, fresh = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // The query of a presigned URL is a credential: never in an error message.
    if (!url.startsWith("https://")) return reject(new Error(`refusing to download over anything but https: ${withoutQuery(url)}`));
    // https.get hands secureContext to tls.connect, though its RequestOptions type leaves it out.
    const options: https.RequestOptions & Pick<tls.ConnectionOptions, "secureContext"> = fresh
      ? { secureContext: connections.secureContext, timeout: 30_000, agent: false }
      : { timeout: 30_000, agent: connections.agent };
    const request = https.get(url, options, (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status) && typeof res.headers.location === "string") {
        res.resume();
        const location = new URL(res.headers.location, url).href;
        if (!location.startsWith("https://")) return resolve({ kind: "error", reason: `HTTP ${status} redirects to ${withoutQuery(location)}, which is not https` });
        return resolve({ kind: "redirect", location });
      }
      if (status !== 200) {
        let body = "";
        res.on("data", (c: Buffer) => {
          // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent in every reason: this only bounds the memory an endless error body takes; the slice below cuts the text at MAX_ERROR_BODY either way
          if (body.length < MAX_ERROR_BODY) body += c.toString("utf8");
        });
        res.on("end", () => resolve({ kind: "error", reason: describeFailure(status, body.slice(0, MAX_ERROR_BODY), res.headers) }));
        res.on("error", reject);
        return;
      }
      const announced = Number(res.headers["content-length"]);
      if (Number.isFinite(announced) && announced > maxBytes) {
        res.destroy();
        return resolve({ kind: "error", reason: `the server announces ${announced} bytes, more than the ${maxBytes} the job document announced` });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          // Settle first: destroying may still let "end" through with a truncated body.
          resolve({ kind: "error", reason: `the download is larger than the ${maxBytes} bytes the job document announced` });
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ kind: "body", bytes: new Uint8Array(Buffer.concat(chunks)) }));
      res.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error("download timed out after 30 s")));
    request.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed just as it was reused: the request never got
      // an answer, so it is sent again once, on a new connection (as Node's documentation of
      // `request.reusedSocket` advises; an error once the answer began reaches `res` instead).
      if (request.reusedSocket && error.code === "ECONNRESET") return resolve(get(url, maxBytes, connections, true));
      reject(error);
    });
  });
}

/** "HTTP 403 AccessDenied: Request has expired", with S3's endpoint hint for a wrong region. */
export function describeFailure(status: number, body: string, headers: Record<string, string | string[] | undefined> = {}): string {
  // Stryker disable next-line OptionalChaining: equivalent: when the pattern matches, its group 1 always matched too (possibly empty)
  const tag = (name: string) => new RegExp(`<${name}>([^<]{0,300})</${name}>`).exec(body)?.[1]?.trim();
  const code = tag("Code");
  const message = tag("Message");
  const endpoint = tag("Endpoint");
  const region = headers["x-amz-bucket-region"];
  let reason = `HTTP ${status}`;
  if (code) reason += ` ${code}`;
  if (message) reason += `: ${message}`;
  else if (!code && body.trim()) reason += ` ${body.trim().slice(0, 200)}`;
  if (endpoint) reason += ` (S3 says to use endpoint ${endpoint})`;
  if (typeof region === "string") reason += ` (bucket region ${region})`;
  if (status >= 500 || code === "SlowDown") reason += "; S3 is busy or failing, a later attempt may succeed";
  return reason;
}

function withoutQuery(url: string): string {
  return url.split("?")[0];
}
