/** Lambda entry of the server runtime (components/featureServer.ts bundles it with esbuild): the
 * deployment puts the engine (`microvium.wasm`), the build's `manifest.json` and `server.snap`
 * next to `index.js`. The AWS SDK v3 clients come from the Node.js Lambda runtime. */
import fs from "node:fs";
import path from "node:path";
import type { Manifest } from "../../core/contracts/manifest";
import { loadWasmEngine } from "../../core/engine/wasmEngine";
import { DynamoServerState, type DynamoDbModule } from "./dynamoServerState";
import { createFeatureServer, type ServerRuleEvent } from "./handler";
import { iotShadowSettings } from "./iotShadowSettings";

export const FEATURE_SERVER_ENV = {
  stateTable: "SNAPFLEET_SERVER_STATE_TABLE",
  handledTable: "SNAPFLEET_SERVER_HANDLED_TABLE",
  alertsTopicArn: "SNAPFLEET_ALERTS_TOPIC_ARN",
  thingGroup: "SNAPFLEET_THING_GROUP",
} as const;

function read(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`feature server Lambda misconfigured: environment variable ${name} is not set (redeploy with pulumi up)`);
  return value;
}

/** The fleet list is read at most once a minute: fleet.devices may lag a minute behind the group. */
const FLEET_CACHE_MS = 60_000;

let handler: ReturnType<typeof createFeatureServer> | undefined;
async function create(): Promise<ReturnType<typeof createFeatureServer>> {
  const dynamo = require("@aws-sdk/client-dynamodb") as DynamoDbModule;
  const iotData = require("@aws-sdk/client-iot-data-plane");
  const iot = require("@aws-sdk/client-iot");
  const sns = require("@aws-sdk/client-sns");
  const dataClient = new iotData.IoTDataPlaneClient({});
  const iotClient = new iot.IoTClient({});
  const snsClient = new sns.SNSClient({});
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "manifest.json"), "utf8")) as Manifest;
  const snapshot = fs.readFileSync(path.join(__dirname, "server.snap"));
  const engine = await loadWasmEngine(fs.readFileSync(path.join(__dirname, "microvium.wasm")));
  let fleet: { names: string[]; at: number } | undefined;
  return createFeatureServer({
    engine,
    manifest,
    snapshot,
    store: new DynamoServerState(dynamo, new dynamo.DynamoDBClient({}), read(FEATURE_SERVER_ENV.stateTable), read(FEATURE_SERVER_ENV.handledTable)),
    outlets: {
      publish: async (topic, payload, qos) => {
        await dataClient.send(new iotData.PublishCommand({ topic, qos, payload: Buffer.from(payload) }));
      },
      alert: async (subject, message) => {
        await snsClient.send(new sns.PublishCommand({ TopicArn: read(FEATURE_SERVER_ENV.alertsTopicArn), Subject: subject, Message: message }));
      },
    },
    ...(manifest.settings?.length ? { settings: iotShadowSettings(iotData, dataClient, manifest.app) } : {}),
    fleetDevices: async () => {
      if (fleet && Date.now() - fleet.at < FLEET_CACHE_MS) return fleet.names;
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await iotClient.send(new iot.ListThingsInThingGroupCommand({ thingGroupName: read(FEATURE_SERVER_ENV.thingGroup), maxResults: 250, nextToken }));
        names.push(...(page.things ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      fleet = { names, at: Date.now() };
      return names;
    },
    log: (line) => console.log(line),
  });
}

export async function server(event: ServerRuleEvent): Promise<string> {
  handler ??= await create();
  return handler(event);
}
