/** The IoT policy rights of the settings shadow (core/settings): exactly the topics each side of
 * it uses, named one by one (AWS advises against wildcards over shadow topics, "Device Shadow
 * MQTT topics": https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html).
 *
 * - The device asks for its shadow (`get`) and reports (`update`); it hears `get/accepted`,
 *   `get/rejected` (404 before its first report), `update/delta` and `update/rejected`. Nothing
 *   of other things' shadows, nothing of other shadows of its own thing, no `delete`.
 * - The dashboard (and the local server host) asks for a device's shadow (`get`) and sets desired
 *   values (`update`); it hears `get/accepted`, `get/rejected`, `update/documents` (each change,
 *   with the device's reported values) and `update/rejected`. No `delete`, no `update/delta`.
 * A policy can't look into payloads: a dashboard could also write `reported`, which the device
 * corrects at its next connect (it reports what it applied). */
import { settingsShadowName } from "../settings/settingDecl";
import { shadowTopics } from "../shadow/shadowTopics";

export interface ShadowRights {
  publish: string[];
  /** Topics it may subscribe to and receive (the same list serves both). */
  receive: string[];
}

export function deviceSettingsShadowRights(app: string, thing: string): ShadowRights {
  const shadow = settingsShadowName(app);
  return {
    publish: [shadowTopics.request(thing, shadow, "get"), shadowTopics.request(thing, shadow, "update")],
    receive: [
      shadowTopics.response(thing, shadow, "get", "accepted"),
      shadowTopics.response(thing, shadow, "get", "rejected"),
      shadowTopics.response(thing, shadow, "update", "delta"),
      shadowTopics.response(thing, shadow, "update", "rejected"),
    ],
  };
}

/** `thing` is a thing name or `*` (policies) / `+` (subscriptions) for every thing of the app.
 * `mayChange`: may also publish to `update` (changing a setting is an operator's action on a
 * dashboard: core/contracts/dashboardRoles.ts); without it only `get`. */
export function observerSettingsShadowRights(app: string, thing: string, mayChange: boolean): ShadowRights {
  const shadow = settingsShadowName(app);
  return {
    publish: [shadowTopics.request(thing, shadow, "get"), ...(mayChange ? [shadowTopics.request(thing, shadow, "update")] : [])],
    receive: [
      shadowTopics.response(thing, shadow, "get", "accepted"),
      shadowTopics.response(thing, shadow, "get", "rejected"),
      shadowTopics.response(thing, shadow, "update", "documents"),
      shadowTopics.response(thing, shadow, "update", "rejected"),
    ],
  };
}
