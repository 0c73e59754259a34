/** A simulated device that boots with its batch's claim instead of its own certificate: on first
 * boot it gets an identity by claim (waiting, pending, until an operator approves its serial),
 * keeps it in its flash, and from then on is an ordinary device of the fleet under its serial. */
import { SimulatedDevice, type SimulatedDeviceOptions } from "../simulatedDevice";
import { identityByClaim, type ClaimProvisioningOptions } from "./claimProvisioning";

export type ClaimedDeviceOptions = Omit<SimulatedDeviceOptions, "thing" | "certPem" | "keyPem"> &
  Pick<ClaimProvisioningOptions, "serial" | "retry" | "signal"> & {
    claim: { certPem: string; keyPem: string };
  };

export async function startClaimedDevice(options: ClaimedDeviceOptions): Promise<SimulatedDevice> {
  const { claim, serial, retry, signal, ...device } = options;
  const identity = await identityByClaim({
    app: device.app,
    serial,
    endpoint: device.endpoint,
    port: device.port,
    caCertPem: device.caCertPem,
    claimCertPem: claim.certPem,
    claimKeyPem: claim.keyPem,
    stateDir: device.stateDir,
    retry,
    signal,
    log: device.onLog,
  });
  return SimulatedDevice.start({ ...device, thing: identity.thingName, certPem: identity.certPem, keyPem: identity.keyPem });
}
