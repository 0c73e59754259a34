import type { FeatureApi } from "snapfleet";
import type { CodedLogger } from "./logger";

/** A toggle on the dashboard switches the grow light relay on digital pin D5. */
export function growLight(api: FeatureApi, logger: CodedLogger) {
  const command = api.newCommsChannel<boolean>("grow-light", { direction: "server-to-device" });
  const relay = api.mcu.getDigitalPin("D5");

  command.addEventListener("messageFromServer", (on) => {
    relay.write(on);
    logger.log(on ? "Grow light on" : "Grow light off");
  });

  api.registerUiControl(
    (el) => el.toggle("Grow light", (on) => command.sendToDevice(on)),
    { title: "Grow light" },
  );
}
