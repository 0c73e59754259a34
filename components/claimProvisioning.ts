/** Onboarding by claim on AWS (AWS IoT fleet provisioning by claim,
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html#claim-based):
 * - a claim certificate per batch (`fleet.claimBatches`), made by AWS, with the claim policy
 *   (core/provisioning/claimPolicy.ts: the provisioning requests and their answers only);
 * - the fleet provisioning template (core/provisioning/template.ts) with the provisioning role
 *   AWS IoT assumes (`AWSIoTThingsRegistration`, as the page says) and a pre-provisioning hook;
 * - the hook Lambda (lambda/provisioningHook) reading the operator's approvals from a DynamoDB
 *   table; an unknown board is refused and added there as pending; an approved one is let through
 *   once (its approval becomes `joined`).
 * The local cloud does the same in local/provisioning/. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RolloutStage } from "../core/jobs/stagedRollout";
import { claimPolicy } from "../core/provisioning/claimPolicy";
import { provisioningTemplateName } from "../core/provisioning/claimApi";
import { provisioningTemplateBody } from "../core/provisioning/template";
import type { PolicyScope } from "../core/policy";
import { PROVISIONING_HOOK_ENV } from "../lambda/provisioningHook/index";
import type { DevicePolicy } from "./fleet";
import type { DeviceCredentials } from "./fleet";
import { LambdaService } from "./lambdaService";

export interface ClaimProvisioningArgs extends PolicyScope {
  thingGroup: string;
  batches: readonly string[];
  /** The device policies a provisioned board gets (ChannelPolicies), base first. */
  policies: readonly DevicePolicy[];
  stages?: readonly RolloutStage[];
  /** The bundled lambda/provisioningHook code. */
  code: string;
}

/** `AWSIoTThingsRegistration`: what the provisioning role needs to create things and certificates. */
export const THINGS_REGISTRATION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration";

export class ClaimProvisioning extends pulumi.ComponentResource {
  readonly template: aws.iot.ProvisioningTemplate;
  readonly approvals: aws.dynamodb.Table;
  readonly hook: aws.lambda.Function;
  /** Per batch: the claim certificate and key to flash. Secret. */
  readonly claims: pulumi.Output<Record<string, DeviceCredentials>>;

  constructor(name: string, args: ClaimProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:iot:ClaimProvisioning", name, {}, opts);
    const parent = { parent: this };
    const tags = { "snapfleet:app": args.app };
    const short = `${args.app}-cl`;

    this.approvals = new aws.dynamodb.Table(
      `${name}-approvals`,
      { billingMode: "PAY_PER_REQUEST", hashKey: "serial", attributes: [{ name: "serial", type: "S" }], ttl: { attributeName: "expiresAt", enabled: true }, serverSideEncryption: { enabled: true }, tags },
      parent,
    );
    const hook = new LambdaService(this, {
      app: args.app,
      names: { role: `${short}-hook-role`, logs: `${name}-hook-logs`, access: `${name}-hook-access`, function: `${short}-hook` },
      // Least privilege: read a board's item, add a pending one, use an approval up (the
      // conditional approved → joined update); deciding is the operator's.
      statements: [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Resource: this.approvals.arn }],
      handler: "index.handler",
      code: args.code,
      // "The Lambda function must finish running and return within 5 seconds".
      timeout: 5,
      memorySize: 256,
      environment: {
        [PROVISIONING_HOOK_ENV.context]: JSON.stringify({ app: args.app, thingGroup: args.thingGroup, ...(args.stages ? { stages: args.stages } : {}) }),
        [PROVISIONING_HOOK_ENV.table]: this.approvals.name,
      },
    });
    this.hook = hook.function;
    // Confused-deputy guard (pre-provisioning-hook.html): only AWS IoT of this account may call it.
    hook.allowInvoke(`${name}-hook-invoke`, "iot.amazonaws.com", { sourceAccount: args.account });

    const provisioningRole = new aws.iam.Role(
      `${short}-prov-role`,
      { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole" }] }), tags },
      parent,
    );
    const registration = new aws.iam.RolePolicyAttachment(`${name}-prov-registration`, { role: provisioningRole.name, policyArn: THINGS_REGISTRATION_POLICY_ARN }, parent);
    this.template = new aws.iot.ProvisioningTemplate(
      `${name}-template`,
      {
        name: provisioningTemplateName(args.app),
        description: `snapfleet ${args.app}: boards with a batch claim, approved by an operator`,
        provisioningRoleArn: provisioningRole.arn,
        enabled: true,
        type: "FLEET_PROVISIONING",
        templateBody: provisioningTemplateBody({ app: args.app, thingGroup: args.thingGroup, policyNames: args.policies.map((p) => p.name), staged: Boolean(args.stages?.length) }),
        preProvisioningHook: { targetArn: this.hook.arn, payloadVersion: "2020-04-01" },
        tags,
      },
      { ...parent, dependsOn: [registration, ...args.policies.map((p) => p.resource)] },
    );

    const claim = claimPolicy(args);
    const policy = new aws.iot.Policy(`${name}-claim-policy`, { name: claim.name, policy: JSON.stringify(claim.document), tags }, parent);
    const claims: Record<string, pulumi.Output<DeviceCredentials>> = {};
    for (const batch of args.batches) {
      const certificate = new aws.iot.Certificate(`${name}-${batch}-claim`, { active: true }, { ...parent, additionalSecretOutputs: ["privateKey"] });
      new aws.iot.PolicyAttachment(`${name}-${batch}-claim-policy`, { policy: policy.name, target: certificate.arn }, parent);
      claims[batch] = pulumi.secret(pulumi.all({ certificatePem: certificate.certificatePem, privateKey: certificate.privateKey })) as unknown as pulumi.Output<DeviceCredentials>;
    }
    this.claims = pulumi.secret(pulumi.all(claims));
    this.registerOutputs({ templateName: this.template.name, approvalsTable: this.approvals.name });
  }
}
