import type { Manifest } from "./manifest";
import type { PackageInfo } from "./devicePackage";

/** OTA job document (docs/architecture.md). On AWS `url` is the `${aws:iot:s3-presigned-url-v2:...}`
 * placeholder, which AWS IoT replaces with a fresh presigned URL each time a device reads it;
 * locally it is a signed https URL from the artifact store. */
export interface OtaJobDocument {
  operation: "snapfleet.install";
  app: string;
  /** manifest.version: the sha256 of the device snapshot. */
  version: string;
  /** sha256 and size of the device package (core/contracts/devicePackage.ts) that `url` serves. */
  sha256: string;
  size: number;
  url: string;
  engine: string;
}

/** A package is a snapshot (≤ 64 KB in Microvium) plus its manifest. */
export const MAX_DEVICE_PACKAGE_BYTES = 128 * 1024;

/** AWS limit on a job document (docs/aws-iot.md). */
export const MAX_JOB_DOCUMENT_BYTES = 32768;

export function otaJobDocument(manifest: Manifest, devicePackage: Pick<PackageInfo, "sha256" | "size">, url: string): OtaJobDocument {
  const doc: OtaJobDocument = {
    operation: "snapfleet.install",
    app: manifest.app,
    version: manifest.version,
    sha256: devicePackage.sha256,
    size: devicePackage.size,
    url,
    engine: manifest.engine,
  };
  const bytes = Buffer.byteLength(JSON.stringify(doc));
  if (bytes > MAX_JOB_DOCUMENT_BYTES) throw new Error(`OTA job document is ${bytes} bytes; AWS IoT allows ${MAX_JOB_DOCUMENT_BYTES}`);
  return doc;
}

/** `${aws:iot:s3-presigned-url-v2:https://s3.{region}.amazonaws.com/{bucket}/{key}}`: the form
 * AWS documents for job documents, with the bucket's own region ("Managing jobs", Presigned URLs:
 * https://docs.aws.amazon.com/iot/latest/developerguide/create-manage-jobs.html). The global
 * `s3.amazonaws.com` host is us-east-1 only: elsewhere S3 answers with a redirect the presigned
 * signature doesn't survive. China regions use the amazonaws.com.cn domain. */
export function s3PresignedUrlPlaceholder(region: string, bucket: string, key: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new Error(`S3 presigned URL placeholder: region ${JSON.stringify(region)} is not an AWS region name (for example "eu-west-1")`);
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return "${aws:iot:s3-presigned-url-v2:https://s3." + region + "." + domain + "/" + bucket + "/" + key + "}";
}

/** Job ids: ≤ 64 chars of [a-zA-Z0-9_-]; derived from app and version so that the same device
 * code always maps to the same job (idempotent `pulumi up`) and new code to a new job. */
export function otaJobId(app: string, version: string): string {
  const id = `${app}-${version.slice(0, 16)}`;
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(id)) throw new Error(`job id ${JSON.stringify(id)} is not a valid AWS IoT job id`);
  return id;
}

/** The id for rolling out code that already had a job (an edit undone in `snapfleet dev` brings
 * back an earlier version): job ids are never reused, so it becomes `<id>-2`, then `-3`. */
export function unusedJobId(jobId: string, taken: (id: string) => boolean): string {
  if (!taken(jobId)) return jobId;
  for (let n = 2; ; n++) if (!taken(`${jobId}-${n}`)) return `${jobId}-${n}`;
}

/** Parses a job document received by a device; throws saying which field is wrong. */
export function parseOtaJobDocument(value: unknown): OtaJobDocument {
  const d = value as Partial<OtaJobDocument>;
  const problems: string[] = [];
  if (typeof d !== "object" || d === null) throw new Error("job document is not an object");
  if (d.operation !== "snapfleet.install") problems.push(`operation is ${JSON.stringify(d.operation)}, expected "snapfleet.install"`);
  for (const key of ["app", "version", "sha256", "url", "engine"] as const) {
    if (typeof d[key] !== "string" || d[key] === "") problems.push(`${key} must be a non-empty string`);
  }
  if (typeof d.sha256 === "string" && !/^[0-9a-f]{64}$/.test(d.sha256)) problems.push("sha256 must be 64 lowercase hex digits");
  if (typeof d.size !== "number" || !Number.isInteger(d.size) || d.size <= 0 || d.size > MAX_DEVICE_PACKAGE_BYTES) problems.push(`size must be an integer from 1 to ${MAX_DEVICE_PACKAGE_BYTES} (a 64 KB Microvium snapshot plus its manifest)`);
  if (problems.length) throw new Error(`invalid OTA job document: ${problems.join("; ")}`);
  return d as OtaJobDocument;
}
