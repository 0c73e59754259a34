import type { FeatureApi } from "snapfleet";

/** Wi-Fi credentials are secrets: their values go into the device snapshot only, never into the
 * dashboard or server snapshots, the manifest, logs or plain deployment outputs. */
export function Wifi(api: FeatureApi) {
  const ssid = api.defineSecret("ssid");
  const password = api.defineSecret("password");
  api.mcu.onStart(() => {
    // The supervisor owns the radio; the app only checks that it was provisioned.
    api.log(ssid.value === "" || password.value === "" ? "wifi: credentials missing" : "wifi: credentials provisioned");
  });
}
