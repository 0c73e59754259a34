/** The grow station on AWS: the features (./features) become IoT things, policies, secrets, an
 * OTA job and a dashboard, next to ordinary infrastructure: a DynamoDB table that keeps every
 * temperature reading, fed by an IoT topic rule on the temperature channel.
 *
 * Run from the repository root (Pulumi.yaml): `pulumi up`. Secrets first:
 *   pulumi config set --secret grow-station:secret-ssid <wifi name>
 *   pulumi config set --secret grow-station:secret-password <wifi password>
 * In your own project, import from "snapfleet" instead of "../../index". */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FeatureApp } from "../../index";

const app = new FeatureApp("grow-station", {
  entry: "./features/app.ts",
  cwd: __dirname,
  fleet: { thingGroup: "grow-stations", devices: ["greenhouse-1", "greenhouse-2"] },
  ota: { maximumPerMinute: 50, abortFailurePercent: 20 },
});

// Every reading of every station, by thing and time.
const readings = new aws.dynamodb.Table("temperature-readings", {
  billingMode: "PAY_PER_REQUEST",
  hashKey: "thing",
  rangeKey: "t",
  attributes: [
    { name: "thing", type: "S" },
    { name: "t", type: "N" },
  ],
});

const ruleRole = new aws.iam.Role("temperature-rule-role", {
  assumeRolePolicy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole" }],
  }),
});
new aws.iam.RolePolicy("temperature-rule-write", {
  role: ruleRole.id,
  policy: pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: readings.arn }],
  }),
});

// Messages are envelopes {"id","v","t"}; topic(3) is the thing name in sf/{app}/{thing}/{channel}/up.
const temperatureUp = app.channelTopics("temperature").up;
new aws.iot.TopicRule("temperature-to-dynamodb", {
  enabled: true,
  sql: `SELECT topic(3) AS thing, t, v AS celsius, id FROM '${temperatureUp}'`,
  sqlVersion: "2016-03-23",
  dynamodbv2s: [{ roleArn: ruleRole.arn, putItem: { tableName: readings.name } }],
});

export const dashboardUrl = app.dashboardUrl;
export const iotEndpoint = app.iotEndpoint;
export const thingGroupArn = app.thingGroupArn;
export const firmwareVersion = app.firmwareVersion;
export const jobId = app.jobId;
export const readingsTable = readings.name;
/** Secret: `pulumi stack output devices --show-secrets` to provision the boards. */
export const devices = app.devices;
/** Secret: signs dashboard links (README, "Deploy to AWS"). */
export const dashboardTokenKey = app.dashboardTokenKey;
