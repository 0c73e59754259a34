/** Downloads an OTA package over HTTPS. `caCertPem` pins the local cloud's CA; on AWS it is
 * omitted and S3's presigned URL is checked against the system trust store. A size cap stops a
 * wrong or hostile server from filling the device's memory. */
import https from "node:https";

export function download(url: string, maxBytes: number, caCertPem?: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (!url.startsWith("https://")) return reject(new Error(`refusing to download over anything but https: ${url.split("?")[0]}`));
    const request = https.get(url, { ca: caCertPem, timeout: 30_000, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString().slice(0, 200)));
        res.on("end", () => reject(new Error(`download failed: HTTP ${res.statusCode} ${body.trim()}`)));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          request.destroy(new Error(`download is larger than the ${maxBytes} bytes the job document announced`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
      res.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error("download timed out after 30 s")));
    request.on("error", reject);
  });
}
