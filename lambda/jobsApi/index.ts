/** Lambda entry point of the jobs API (bundled at deploy time like the others:
 * components/jobsApi.ts): `index.handler` for the function URL behind CloudFront. */
import { cachedDashboardKey } from "../dashboardKeySecret";
import { createJobsApi, type JobsApiEvent } from "./handler";
import { iotJobsSource, type IotModule } from "./iotJobsSource";

export const JOBS_API_ENV = {
  app: "SNAPFLEET_APP",
  keySecretArn: "SNAPFLEET_DASHBOARD_KEY_SECRET_ARN",
  /** Not read: its change on key rotation retires containers that cached the old key. */
  keyVersion: "SNAPFLEET_DASHBOARD_KEY_VERSION",
} as const;

function read(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`jobs API Lambda misconfigured: environment variable ${name} is not set (redeploy with pulumi up)`);
  return value;
}

let api: ReturnType<typeof createJobsApi> | undefined;
export async function handler(event: JobsApiEvent) {
  if (!api) {
    // The Node.js Lambda runtime ships AWS SDK v3 (not bundled: esbuild external).
    const sdk = require("@aws-sdk/client-iot") as IotModule;
    const app = read(process.env, JOBS_API_ENV.app);
    const client = new sdk.IoTClient({});
    api = createJobsApi({ app, jobs: (verifyToken) => iotJobsSource(sdk, client, app, verifyToken), loadKey: cachedDashboardKey(read(process.env, JOBS_API_ENV.keySecretArn)), log: (line) => console.log(line) });
  }
  return api(event);
}
