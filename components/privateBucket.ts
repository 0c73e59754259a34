/** An S3 bucket nobody can make public: public access blocked, ACLs disabled, encryption at rest.
 * Both the dashboard site and the firmware store start from this. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export function privateBucket(name: string, app: string, opts: pulumi.CustomResourceOptions, extra: { versioned?: boolean } = {}): aws.s3.Bucket {
  // forceDestroy: the objects are all made by this program, so `pulumi destroy` may remove them.
  const bucket = new aws.s3.Bucket(name, { forceDestroy: true, tags: { "snapfleet:app": app } }, opts);
  new aws.s3.BucketPublicAccessBlock(`${name}-no-public`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, opts);
  new aws.s3.BucketOwnershipControls(`${name}-owner`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    // SSE-S3: CloudFront's origin access control can read it without a KMS key policy.
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
    opts,
  );
  if (extra.versioned) new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  return bucket;
}
