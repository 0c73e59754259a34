/** The dashboard as a static site: a private bucket that only this CloudFront distribution may
 * read (origin access control, SigV4), holding the web bundle, the web snapshot, the manifest and
 * the connection config. No object holds a secret: the token arrives in the page URL fragment,
 * which browsers never send to the server. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { contentTypeOf, listSiteFiles, NO_CACHE } from "./dashboardFiles";
import { privateBucket } from "./privateBucket";
import type { DashboardConfig } from "../core/contracts/dashboardConfig";
import type { FunctionUrlRoute } from "./lambdaService";

export interface DashboardSiteArgs {
  app: string;
  bundleDir: string;
  /** manifest.json content (names and hashes only). */
  manifestJson: pulumi.Input<string>;
  /** The web snapshot, base64 (never holds secret values: the compiler gives web no secrets). */
  webSnapshotBase64: pulumi.Input<string>;
  /** dashboard-config.json content. */
  configJson: pulumi.Input<string>;
  /** The dashboard's APIs on its own domain (ApprovalsApi, JobsApi, FeatureServer's history API,
   * FleetStatusApi: each a function URL behind CloudFront), in the order CloudFront tries their path patterns:
   * the first that matches wins, so `/api/*` comes last. */
  apis?: FunctionUrlRoute[];
}

/** AWS's managed "CachingOptimized" policy: honours the objects' Cache-Control headers. */
const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/** Managed "CachingDisabled" and "AllViewerExceptHostHeader" (forwards the query string and the
 * token header to the function URL, whose own Host header it keeps): the API is never cached. */
const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST_POLICY_ID = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

export type { DashboardConfig };

/** What the dashboard reads at start: where to connect and through which authorizer, and whether
 * boards join by claim (the onboarding panel, served by ApprovalsApi). */
export function dashboardConfig(app: string, iotEndpoint: string, authorizerName: string, onboarding = false): DashboardConfig {
  return { app, mqtt: { url: `wss://${iotEndpoint}/mqtt`, username: `dashboard?x-amz-customauthorizer-name=${authorizerName}` }, ...(onboarding ? { onboarding } : {}) };
}

export class DashboardSite extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly distribution: aws.cloudfront.Distribution;
  readonly objects: aws.s3.BucketObjectv2[];
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: DashboardSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:dashboard:DashboardSite", name, {}, opts);
    const parent = { parent: this };
    const files = listSiteFiles(args.bundleDir);
    this.bucket = privateBucket(`${name}-bucket`, args.app, parent);
    const oac = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      { description: `snapfleet ${args.app} dashboard`, originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" },
      parent,
    );
    const originId = "dashboard-bucket";
    const apis = args.apis ?? [];
    this.distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: `snapfleet ${args.app} dashboard`,
        defaultRootObject: "index.html",
        origins: [
          { originId, domainName: this.bucket.bucketRegionalDomainName, originAccessControlId: oac.id },
          // By id: their order means nothing to CloudFront, and a stable one leaves deployed distributions unchanged.
          ...[...apis].sort((a, b) => a.originId.localeCompare(b.originId)).map((api) => ({
            originId: api.originId,
            domainName: api.domainName,
            originAccessControlId: api.originAccessControlId,
            customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
          })),
        ],
        orderedCacheBehaviors: apis.map((api) => ({
          pathPattern: api.pathPattern,
          targetOriginId: api.originId,
          viewerProtocolPolicy: "https-only",
          allowedMethods: api.allowedMethods,
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: CACHING_DISABLED_POLICY_ID,
          originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_POLICY_ID,
          compress: true,
        })),
        defaultCacheBehavior: {
          targetOriginId: originId,
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
          compress: true,
        },
        // The cheapest class (North America and Europe edges): a dashboard serves few users.
        priceClass: "PriceClass_100",
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: { cloudfrontDefaultCertificate: true },
        tags: { "snapfleet:app": args.app },
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-cdn-read`,
      {
        bucket: this.bucket.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Resource: pulumi.interpolate`${this.bucket.arn}/*`,
              // Only this distribution, not any CloudFront distribution of any account.
              Condition: { StringEquals: { "AWS:SourceArn": this.distribution.arn } },
            },
          ],
        }),
      },
      parent,
    );
    const object = (key: string, content: Omit<aws.s3.BucketObjectv2Args, "bucket" | "key">) =>
      new aws.s3.BucketObjectv2(`${name}-${key}`, { bucket: this.bucket.id, key, ...content }, parent);
    this.objects = [
      ...files.map((file) => object(file.key, { source: new pulumi.asset.FileAsset(file.source), contentType: file.contentType, cacheControl: file.cacheControl })),
      object("manifest.json", { content: args.manifestJson, contentType: contentTypeOf("manifest.json"), cacheControl: NO_CACHE }),
      object("web.snap", { contentBase64: args.webSnapshotBase64, contentType: contentTypeOf("web.snap"), cacheControl: NO_CACHE }),
      object("dashboard-config.json", { content: args.configJson, contentType: contentTypeOf("dashboard-config.json"), cacheControl: NO_CACHE }),
    ];
    this.url = pulumi.interpolate`https://${this.distribution.domainName}/`;
    this.registerOutputs({ url: this.url });
  }
}
