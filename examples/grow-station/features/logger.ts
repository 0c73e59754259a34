import type { FeatureApi } from "snapfleet";

/** A coded logger: the messages are defined at build time and only their index travels over
 * the air, so a log line costs a couple of bytes. Both snapshots carry the same table, and the
 * dashboard turns codes back into text. */
const definedMessages = ["Sensor started", "Reading out of range", "Low battery", "Grow light on", "Grow light off"];

export interface CodedLogger {
  /** Device side. */
  log(message: string): void;
  /** Dashboard side. */
  onMessage(listener: (text: string) => void): void;
}

export function makeLogger(api: FeatureApi): CodedLogger {
  const channel = api.newCommsChannel<number>("event-log", { direction: "device-to-server", replay: 20 });
  return {
    log: (message) => {
      const code = definedMessages.findIndex((m) => m === message);
      channel.pushMessageToServer(code);
    },
    onMessage: (listener) => {
      channel.addEventListener("messageFromDevice", (code) => listener(definedMessages[code] ?? "Unknown message"));
    },
  };
}
