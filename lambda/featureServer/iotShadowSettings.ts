/** Settings for the server Lambda (core/server/serverSettings.ts) from AWS IoT's Device Shadow
 * service through the IoT data plane: GetThingShadow and UpdateThingShadow on the app's named
 * settings shadow (https://docs.aws.amazon.com/iot/latest/apireference/API_iotdata_GetThingShadow.html,
 * …/API_iotdata_UpdateThingShadow.html). The role may do exactly that, on that shadow name
 * (components/featureServer.ts, serverStatements). */
import type { ServerSettings } from "../../core/server/serverSettings";
import { settingsShadowName } from "../../core/settings/settingDecl";

/** The parts of `@aws-sdk/client-iot-data-plane` used here (the Lambda runtime provides the module). */
export interface IotDataShadowModule {
  GetThingShadowCommand: new (input: { thingName: string; shadowName: string }) => unknown;
  UpdateThingShadowCommand: new (input: { thingName: string; shadowName: string; payload: Uint8Array }) => unknown;
}

export function iotShadowSettings(sdk: IotDataShadowModule, client: { send(command: unknown): Promise<any> }, app: string): ServerSettings {
  const shadowName = settingsShadowName(app);
  return {
    reported: async (thing) => {
      let answer: { payload?: Uint8Array };
      try {
        answer = await client.send(new sdk.GetThingShadowCommand({ thingName: thing, shadowName }));
      } catch (error) {
        // No shadow yet: the device has reported nothing (it creates the shadow at its first connect).
        if ((error as { name?: string }).name === "ResourceNotFoundException") return {};
        throw error;
      }
      const document = JSON.parse(Buffer.from(answer.payload ?? new Uint8Array()).toString("utf8") || "{}") as { state?: { reported?: Record<string, unknown> } };
      return document.state?.reported ?? {};
    },
    request: async (thing, name, value) => {
      await client.send(new sdk.UpdateThingShadowCommand({ thingName: thing, shadowName, payload: Buffer.from(JSON.stringify({ state: { desired: { [name]: value } } })) }));
    },
  };
}
