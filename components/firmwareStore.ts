/** Where OTA artifacts live: a private, versioned bucket; each device package under
 * `<app>/<sha256>.sfpk`, so a key names exactly one content; and the role AWS IoT Jobs assumes to
 * presign download URLs (read access to this app's packages only). */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { privateBucket } from "./privateBucket";

export interface FirmwareStoreArgs {
  app: string;
  /** sha256 of the device package (the object key); not secret, a hash. */
  sha256: pulumi.Input<string>;
  /** The device package, base64; secret (the snapshot holds secret values). */
  packageBase64: pulumi.Input<string>;
}

export function firmwareObjectKey(app: string, sha256: string): string {
  return `${app}/${sha256}.sfpk`;
}

export class FirmwareStore extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly object: aws.s3.BucketObjectv2;
  readonly key: pulumi.Output<string>;
  readonly presignRole: aws.iam.Role;
  /** The role's read access: a job may only start once this exists (AWS presigns with the role). */
  readonly presignPolicy: aws.iam.RolePolicy;

  constructor(name: string, args: FirmwareStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:ota:FirmwareStore", name, {}, opts);
    const parent = { parent: this };
    this.bucket = privateBucket(`${name}-bucket`, args.app, parent, { versioned: true });
    this.key = pulumi.output(args.sha256).apply((sha256) => firmwareObjectKey(args.app, sha256));
    this.object = new aws.s3.BucketObjectv2(
      `${name}-package`,
      {
        bucket: this.bucket.id,
        key: this.key,
        contentBase64: pulumi.secret(args.packageBase64),
        contentType: "application/octet-stream",
        // S3 checks the upload against a SHA-256 of its own, so a corrupted upload fails here.
        checksumAlgorithm: "SHA256",
      },
      // Kept when superseded: devices still downloading the previous version finish, and the
      // versioned bucket holds every version that was ever rolled out.
      { ...parent, retainOnDelete: true },
    );
    this.presignRole = new aws.iam.Role(
      `${name}-presign`,
      {
        description: `AWS IoT Jobs presigns ${args.app} firmware download URLs with this role`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      parent,
    );
    this.presignPolicy = new aws.iam.RolePolicy(
      `${name}-presign-read`,
      {
        role: this.presignRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: pulumi.interpolate`${this.bucket.arn}/${args.app}/*` }],
        }),
      },
      parent,
    );
    this.registerOutputs({ bucket: this.bucket.bucket, key: this.key });
  }
}
