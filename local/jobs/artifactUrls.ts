/** Job documents store a placeholder instead of a URL, and the jobs service puts a fresh signed
 * URL in every time a device reads the document: the same contract as AWS's
 * `${aws:iot:s3-presigned-url:...}`, so a device that reads a job days later still gets a URL
 * that works, and no long-lived URL sits in the job. */
const PLACEHOLDER = /^\$\{snapfleet:artifact:([0-9a-f]{64})\}$/;

export function localArtifactUrl(sha256: string): string {
  return "${snapfleet:artifact:" + sha256 + "}";
}

/** Returns the document with its `url` placeholder replaced by `sign(sha256)`; others unchanged. */
export function resolveLocalArtifactUrl(document: Record<string, unknown>, sign: (sha256: string) => string): Record<string, unknown> {
  const match = typeof document.url === "string" ? PLACEHOLDER.exec(document.url) : null;
  return match ? { ...document, url: sign(match[1]) } : document;
}
