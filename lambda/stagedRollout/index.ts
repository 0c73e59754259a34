/** Lambda entry point of the staged-rollout scheduler (`index.handler`, run every minute by an
 * EventBridge schedule; bundled at deploy time like the authorizer). */
import { checkStages } from "../../core/jobs/stagedRollout";
import { createRolloutScheduler, type IotCommands, type RolloutSchedulerConfig } from "./handler";

export const ROLLOUT_ENV = "SNAPFLEET_ROLLOUT";

/** Reads and checks the configuration FeatureApp wrote; a bad one fails loudly, naming the variable. */
export function readRolloutConfig(env: NodeJS.ProcessEnv): RolloutSchedulerConfig {
  const text = env[ROLLOUT_ENV];
  if (!text) throw new Error(`staged-rollout Lambda misconfigured: environment variable ${ROLLOUT_ENV} is not set (redeploy with pulumi up)`);
  let config: RolloutSchedulerConfig;
  try {
    config = JSON.parse(text) as RolloutSchedulerConfig;
  } catch {
    throw new Error(`staged-rollout Lambda misconfigured: ${ROLLOUT_ENV} is not JSON (redeploy with pulumi up)`);
  }
  const stages = checkStages(config.stages, "staged-rollout Lambda", `${ROLLOUT_ENV}.stages`);
  if (!Array.isArray(config.stageGroupArns) || config.stageGroupArns.length !== stages.length) {
    throw new Error(`staged-rollout Lambda misconfigured: ${ROLLOUT_ENV}.stageGroupArns must name one thing group per stage (redeploy with pulumi up)`);
  }
  return { ...config, stages };
}

let run: (() => Promise<unknown>) | undefined;
export async function handler() {
  if (!run) {
    // The Node.js Lambda runtime ships AWS SDK v3 (not bundled: esbuild external).
    const sdk = require("@aws-sdk/client-iot") as IotCommands & { IoTClient: new (config: object) => { send(command: { input: object }): Promise<any> } };
    run = createRolloutScheduler({ config: readRolloutConfig(process.env), sdk, client: new sdk.IoTClient({}), log: (line) => console.log(line) });
  }
  return run();
}
