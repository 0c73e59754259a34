/** For tests against a LocalCloud: a simulated device of one of its things, as `npm start`'s devices
 * join (cli/devSession.ts), so each test only says what is its own. */
import path from "node:path";
import { SimulatedDevice, type SimulatedDeviceOptions } from "../../firmware/simulatedDevice";
import type { LocalCloud } from "../../local/cloud";

/** Everything of a device's options but how it reaches the cloud, which startCloudDevice sets. */
export type CloudDeviceOptions = Omit<SimulatedDeviceOptions, "app" | "thing" | "stateDir" | "endpoint" | "port" | "caCertPem" | "certPem" | "keyPem">;

/** `thing` gets a certificate from the cloud's PKI, starts with its flash under
 * `<stateDir>/devices/<thing>`, connected to the cloud's broker over mutual TLS, and joins the
 * cloud's fleet (so it gets the current OTA job). */
export async function startCloudDevice(cloud: LocalCloud, thing: string, stateDir: string, options: CloudDeviceOptions = {}): Promise<SimulatedDevice> {
  const identity = await cloud.broker.provisionDevice(thing);
  const device = await SimulatedDevice.start({
    app: cloud.app,
    thing,
    stateDir: path.join(stateDir, "devices", thing),
    endpoint: "127.0.0.1",
    port: cloud.broker.mqttsPort,
    caCertPem: cloud.broker.caCertPem,
    certPem: identity.certPem,
    keyPem: identity.keyPem,
    ...options,
  });
  cloud.addDevice(thing);
  return device;
}
