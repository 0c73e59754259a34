/** A Lambda function URL that only the dashboard's CloudFront distribution may call (origin
 * access control signing with SigV4, AuthType AWS_IAM), as the dashboard's HTTP APIs are served
 * ("Restrict access to an AWS Lambda function URL origin",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html).
 * ApprovalsApi uses it; FleetStatusApi and JobsApi predate it and spell the same resources out. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface LambdaOrigin {
  url: aws.lambda.FunctionUrl;
  /** For DashboardSite: where CloudFront sends the API's path. */
  origin: { domainName: pulumi.Output<string>; originAccessControlId: pulumi.Output<string> };
  /** Lets only this distribution call the URL (InvokeFunctionUrl, and InvokeFunction through it, as AWS asks). */
  allowDistribution(distributionArn: pulumi.Input<string>): void;
}

export function lambdaOrigin(name: string, shortName: string, fn: aws.lambda.Function, description: string, parent: pulumi.Resource): LambdaOrigin {
  const opts = { parent };
  const url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, authorizationType: "AWS_IAM" }, opts);
  const oac = new aws.cloudfront.OriginAccessControl(`${shortName}-oac`, { description, originAccessControlOriginType: "lambda", signingBehavior: "always", signingProtocol: "sigv4" }, opts);
  return {
    url,
    origin: { domainName: url.functionUrl.apply((u) => (u ? new URL(u).host : u)), originAccessControlId: oac.id },
    allowDistribution(distributionArn) {
      const common = { function: fn.name, principal: "cloudfront.amazonaws.com", sourceArn: distributionArn };
      new aws.lambda.Permission(`${name}-cdn-url`, { ...common, action: "lambda:InvokeFunctionUrl", functionUrlAuthType: "AWS_IAM" }, opts);
      new aws.lambda.Permission(`${name}-cdn-invoke`, { ...common, action: "lambda:InvokeFunction", invokedViaFunctionUrl: true }, opts);
    },
  };
}
