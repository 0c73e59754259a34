/** Settings for the local server host (core/server/serverSettings.ts) from the local shadow
 * service: the reported values are read from the shadow store, and a `set` from server code is an
 * `update` of the settings shadow's desired state published in process, as the IoT data plane's
 * UpdateThingShadow is on AWS (outside device and dashboard policies: the cloud's own request).
 * The service answers on `update/accepted` and `update/delta` as for any client. */
import type { Aedes } from "aedes";
import type { ServerSettings } from "../../core/server/serverSettings";
import { settingsShadowName } from "../../core/settings/settingDecl";
import { shadowTopics } from "../../core/shadow/shadowTopics";
import type { ShadowService } from "../shadows/shadowService";

export function localServerSettings(app: string, shadows: ShadowService, aedes: Pick<Aedes, "publish">, log?: (line: string) => void): ServerSettings {
  const shadow = settingsShadowName(app);
  let requests = 0;
  return {
    reported: (thing) => shadows.store.get(thing, shadow)?.reported ?? {},
    request: (thing, name, value) => {
      const payload = Buffer.from(JSON.stringify({ state: { desired: { [name]: value } }, clientToken: `server-${++requests}` }));
      aedes.publish({ cmd: "publish", topic: shadowTopics.request(thing, shadow, "update"), payload, qos: 1, retain: false, dup: false }, (error) => {
        if (error) log?.(`[server] setting "${name}" of ${thing} was not requested: ${error.message}`);
      });
    },
  };
}

/** Tells the server host of every change of a device's settings shadow. */
export function followSettingsShadows(app: string, shadows: ShadowService, settingsChanged: (thing: string) => void): () => void {
  const shadow = settingsShadowName(app);
  return shadows.onChange((thing, name) => {
    if (name === shadow) settingsChanged(thing);
  });
}
