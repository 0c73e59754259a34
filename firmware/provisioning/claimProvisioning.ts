/** A board that boots with its batch's claim instead of its own certificate: it asks the cloud
 * for an identity with AWS IoT's fleet provisioning MQTT API, through aws-iot-device-sdk-v2's own
 * `iotidentity` client (so the SDK decides whether the local cloud speaks the API as AWS does):
 * CreateKeysAndCertificate, then RegisterThing with its serial; then it keeps the certificate and
 * key in its flash (state dir) and never uses the claim again ("After saving the permanent
 * certificate on the device, the device must disconnect from the session that it initiated with
 * the provisioning claim certificate and reconnect using the permanent certificate",
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html#claim-based).
 *
 * A refusal with ACCESS_DENIED is what an unapproved board gets (AWS says no more), so the board
 * asks again later, backing off up to `retry.maxMs`; an operator's approval lets the next attempt
 * through. Any other refusal is a configuration error and ends the attempt with it. */
import { promises as fs } from "node:fs";
import path from "node:path";
import { iot, iotidentity, mqtt } from "aws-iot-device-sdk-v2";
import { claimClientIdPrefix } from "../../core/policy/clientIds";
import { claimSerialProblem } from "../../core/provisioning/approval";
import { provisioningTemplateName, SERIAL_PARAMETER } from "../../core/provisioning/claimApi";
import { buildTrustingOnly } from "../comms/trustOnlyCa";

export interface ClaimProvisioningOptions {
  app: string;
  /** The board's serial number: its thing name once approved. */
  serial: string;
  endpoint: string;
  port: number;
  caCertPem?: string;
  /** The batch's claim certificate and key (`snapfleet claim mint --batch <name>`). */
  claimCertPem: string;
  claimKeyPem: string;
  /** The board's flash: the identity it gets is kept in `identity/`. */
  stateDir: string;
  /** Waits between attempts while the board is not approved (default 2 s doubling up to 60 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** Stops the waiting (the attempt in flight ends first). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ProvisionedIdentity {
  thingName: string;
  certPem: string;
  keyPem: string;
}

const QOS = mqtt.QoS.AtLeastOnce;

/** The board's own identity: the one it keeps from an earlier boot, or a new one by claim. */
export async function identityByClaim(options: ClaimProvisioningOptions): Promise<ProvisionedIdentity> {
  const kept = await readIdentity(options.stateDir);
  if (kept) return kept;
  // The cloud's refusal of such a serial, ACCESS_DENIED, reads like "not approved yet": say it now.
  const serialProblem = claimSerialProblem(options.app, options.serial);
  if (serialProblem) throw new Error(`provisioning by claim: ${serialProblem}; the cloud refuses this board whatever an operator decides: flash it with another serial (nothing was asked)`);
  const log = options.log ?? (() => {});
  let wait = options.retry?.initialMs ?? 2000;
  const maxWait = options.retry?.maxMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    const outcome = await askOnce(options);
    if (outcome.kind === "identity") {
      await writeIdentity(options.stateDir, outcome.identity);
      log(`provisioned by claim as "${outcome.identity.thingName}"`);
      return outcome.identity;
    }
    if (outcome.kind === "error") throw new Error(`provisioning by claim failed: ${outcome.message}`);
    log(`not approved yet (attempt ${attempt}: ${outcome.message}); asking again in ${Math.round(wait / 1000)} s`);
    await sleep(wait, options.signal);
    wait = Math.min(maxWait, wait * 2);
  }
}

type Outcome = { kind: "identity"; identity: ProvisionedIdentity } | { kind: "denied"; message: string } | { kind: "error"; message: string };

/** One CreateKeysAndCertificate + RegisterThing on a fresh claim connection. */
async function askOnce(options: ClaimProvisioningOptions): Promise<Outcome> {
  let builder = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(options.claimCertPem, options.claimKeyPem)
    .with_endpoint(options.endpoint)
    .with_port(options.port)
    .with_client_id(`${claimClientIdPrefix(options.app)}${options.serial}`)
    .with_clean_session(true);
  if (options.caCertPem) builder = builder.with_certificate_authority(options.caCertPem);
  const connection = new mqtt.MqttClient().new_connection(buildTrustingOnly(options.caCertPem, () => builder.build()));
  await connection.connect();
  try {
    const identity = new iotidentity.IotIdentityClient(connection);
    const templateName = provisioningTemplateName(options.app);
    // "Before publishing a request message topic, subscribe to the response topics."
    const keys = answer<iotidentity.model.CreateKeysAndCertificateResponse>();
    await identity.subscribeToCreateKeysAndCertificateAccepted({}, QOS, (error, response) => keys.settle(error, response));
    await identity.subscribeToCreateKeysAndCertificateRejected({}, QOS, (error, response) => keys.refuse(error, response));
    const registered = answer<iotidentity.model.RegisterThingResponse>();
    await identity.subscribeToRegisterThingAccepted({ templateName }, QOS, (error, response) => registered.settle(error, response));
    await identity.subscribeToRegisterThingRejected({ templateName }, QOS, (error, response) => registered.refuse(error, response));

    await identity.publishCreateKeysAndCertificate({}, QOS);
    const created = await keys.promise;
    if ("refused" in created) return { kind: "error", message: `CreateKeysAndCertificate: ${describe(created.refused)}` };
    const { certificatePem, privateKey, certificateOwnershipToken } = created.value;
    if (!certificatePem || !privateKey || !certificateOwnershipToken) return { kind: "error", message: "CreateKeysAndCertificate answered without certificate, key or token" };

    await identity.publishRegisterThing({ templateName, certificateOwnershipToken, parameters: { [SERIAL_PARAMETER]: options.serial } }, QOS);
    const result = await registered.promise;
    if ("refused" in result) {
      const message = `RegisterThing: ${describe(result.refused)}`;
      return result.refused.statusCode === 403 ? { kind: "denied", message } : { kind: "error", message };
    }
    if (!result.value.thingName) return { kind: "error", message: "RegisterThing answered without a thing name" };
    return { kind: "identity", identity: { thingName: result.value.thingName, certPem: certificatePem, keyPem: privateKey } };
  } finally {
    await connection.disconnect().catch(() => undefined);
  }
}

/** One answer on an accepted/rejected pair, with a time limit so a silent cloud can't hang the board. */
function answer<T>(timeoutMs = 10_000) {
  let resolve!: (value: { value: T } | { refused: iotidentity.model.ErrorResponse }) => void;
  const promise = new Promise<{ value: T } | { refused: iotidentity.model.ErrorResponse }>((r) => (resolve = r));
  const timer = setTimeout(() => resolve({ refused: { statusCode: 504, errorCode: "Timeout", errorMessage: `no answer within ${timeoutMs} ms` } }), timeoutMs);
  const done = (value: { value: T } | { refused: iotidentity.model.ErrorResponse }) => {
    clearTimeout(timer);
    resolve(value);
  };
  return {
    promise,
    settle: (error: unknown, response: T | undefined) => done(error || !response ? { refused: { statusCode: 500, errorCode: "BadAnswer", errorMessage: String(error ?? "empty answer") } } : { value: response }),
    refuse: (error: unknown, response: iotidentity.model.ErrorResponse | undefined) => done({ refused: response ?? { statusCode: 500, errorCode: "BadAnswer", errorMessage: String(error) } }),
  };
}

function describe(e: iotidentity.model.ErrorResponse): string {
  return `${e.statusCode ?? "?"} ${e.errorCode ?? ""}: ${e.errorMessage ?? ""}`.trim();
}

const identityDir = (stateDir: string) => path.join(stateDir, "identity");

async function readIdentity(stateDir: string): Promise<ProvisionedIdentity | undefined> {
  const dir = identityDir(stateDir);
  try {
    const [thingName, certPem, keyPem] = await Promise.all(["thing-name", "device.crt", "device.key"].map((f) => fs.readFile(path.join(dir, f), "utf8")));
    return { thingName: thingName.trim(), certPem, keyPem };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Key first and private; the thing name last, so a half-written identity is never read as whole. */
async function writeIdentity(stateDir: string, identity: ProvisionedIdentity): Promise<void> {
  const dir = identityDir(stateDir);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "device.key"), identity.keyPem, { mode: 0o600 });
  await fs.writeFile(path.join(dir, "device.crt"), identity.certPem);
  await fs.writeFile(path.join(dir, "thing-name"), `${identity.thingName}\n`);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("provisioning by claim was stopped"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("provisioning by claim was stopped"));
    }, { once: true });
  });
}
