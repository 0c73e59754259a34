/** MQTT topic names shared by devices, the local broker, the dashboard and the AWS components.
 * Layout (docs/architecture.md): sf/{app}/{thing}/{channel}/up|down, broadcast sf/{app}/_all/{channel}/down,
 * status sf/{app}/{thing}/_status, logs sf/{app}/{thing}/_log/up. Names never contain `_`,
 * so `_all`, `_status` and `_log` can't collide with a thing or channel name. */
export const TOPIC_ROOT = "sf";
export const BROADCAST_THING = "_all";

export const topics = {
  up: (app: string, thing: string, channel: string) => `${TOPIC_ROOT}/${app}/${thing}/${channel}/up`,
  down: (app: string, thing: string, channel: string) => `${TOPIC_ROOT}/${app}/${thing}/${channel}/down`,
  broadcastDown: (app: string, channel: string) => `${TOPIC_ROOT}/${app}/${BROADCAST_THING}/${channel}/down`,
  status: (app: string, thing: string) => `${TOPIC_ROOT}/${app}/${thing}/_status`,
  log: (app: string, thing: string) => `${TOPIC_ROOT}/${app}/${thing}/_log/up`,
  /** Alerts from server code (api.server.notify), published by the cloud, never by a device (no
   * device policy grants it); `thing` is the device whose handler raised it, or FLEET_THING. */
  alert: (app: string, thing: string) => `${TOPIC_ROOT}/${app}/${thing}/_alert/up`,
};

/** The thing level of alerts raised by api.server.onFleet handlers. */
export const FLEET_THING = "_fleet";

/** The AWS IoT Jobs MQTT API topics (docs/aws-iot.md), all under $aws/things/{thing}/jobs/. */
export const jobTopics = {
  base: (thing: string) => `$aws/things/${thing}/jobs`,
  notifyNext: (thing: string) => `$aws/things/${thing}/jobs/notify-next`,
  notify: (thing: string) => `$aws/things/${thing}/jobs/notify`,
  get: (thing: string) => `$aws/things/${thing}/jobs/get`,
  startNext: (thing: string) => `$aws/things/${thing}/jobs/start-next`,
  jobGet: (thing: string, jobId: string) => `$aws/things/${thing}/jobs/${jobId}/get`,
  jobUpdate: (thing: string, jobId: string) => `$aws/things/${thing}/jobs/${jobId}/update`,
};

export interface ParsedAppTopic {
  app: string;
  thing: string;
  channel?: string;
  kind: "up" | "down" | "status" | "log" | "alert";
}

/** Inverse of `topics`: undefined for anything that is not an app topic. */
export function parseAppTopic(topic: string): ParsedAppTopic | undefined {
  const parts = topic.split("/");
  if (parts[0] !== TOPIC_ROOT) return undefined;
  if (parts.length === 4 && parts[3] === "_status") return { app: parts[1], thing: parts[2], kind: "status" };
  if (parts.length === 5 && parts[3] === "_log" && parts[4] === "up") return { app: parts[1], thing: parts[2], kind: "log" };
  if (parts.length === 5 && parts[3] === "_alert" && parts[4] === "up") return { app: parts[1], thing: parts[2], kind: "alert" };
  if (parts.length === 5 && (parts[4] === "up" || parts[4] === "down")) {
    return { app: parts[1], thing: parts[2], channel: parts[3], kind: parts[4] };
  }
  return undefined;
}

/** The device an app topic belongs to: the sender of its `up` messages, whose `_status` tells
 * receivers when its link falls and comes back (EnvelopeReceiver's `senderOf`). */
export function thingOfAppTopic(topic: string): string | undefined {
  return parseAppTopic(topic)?.thing;
}
