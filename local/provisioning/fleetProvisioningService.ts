/** AWS IoT fleet provisioning by claim in the local cloud ("Device provisioning MQTT API",
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html; "Provisioning
 * by claim", .../provision-wo-cert.html#claim-based): a board connects with its batch's claim
 * certificate and asks
 *   `$aws/certificates/create/json` (CreateKeysAndCertificate, empty payload) → `/accepted` with
 *     certificateId, certificatePem, privateKey, certificateOwnershipToken (valid one hour);
 *   `$aws/provisioning-templates/{template}/provision/json` (RegisterThing) with the token and
 *     `parameters.SerialNumber` → the pre-provisioning check (core/provisioning/approval.ts, the
 *     hook on AWS) → `/accepted` with thingName and deviceConfiguration, or `/rejected` with
 *     `{statusCode, errorCode, errorMessage}`.
 * "IoT Core Fleet Provisioning returns the device provisioning MQTT API results through the same
 * MQTT connection used to publish the API request", so answers go to the asking connection only
 * (another board of the batch, subscribed to the same answer topics, never sees them), still
 * through the broker's iot:Receive check.
 *
 * It runs in process on the broker, after the broker authorized the claim's publish (the claim
 * policy allows these requests and nothing else). An approved board gets a thing with its new
 * certificate attached in the registry and joins the fleet (`onProvisioned`); an unknown one is
 * refused and listed as pending for the operator; a denied one is refused. */
import crypto, { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { Aedes, AedesPublishPacket, Client } from "aedes";
import { alreadyJoinedReason, decideProvisioning, serialOf, type ApprovalContext } from "../../core/provisioning/approval";
import {
  CREATE_KEYS_TOPIC,
  OWNERSHIP_TOKEN_TTL_MS,
  provisioningTemplateName,
  templateOfRegisterTopic,
  type CreateKeysAndCertificateResponse,
  type ProvisioningError,
  type RegisterThingResponse,
} from "../../core/provisioning/claimApi";
import type { LocalPki } from "../certificates";
import type { ThingRegistry } from "../registry";
import type { ApprovalStore } from "./approvals";

export interface FleetProvisioningOptions extends ApprovalContext {
  aedes: Aedes;
  pki: LocalPki;
  registry: ThingRegistry;
  approvals: ApprovalStore;
  /** An approved board became a thing with its own certificate: add it to the fleet. */
  onProvisioned?: (thingName: string) => void;
  /** Certificates handed out and not yet registered (default 1,000); beyond it requests are throttled. */
  maxOutstanding?: number;
  now?: () => number;
  log?: (line: string) => void;
}

interface Outstanding {
  certificateId: string;
  certPem: string;
  expiresAt: number;
}

/** The rejection a board gets when the pre-provisioning check refuses it; on AWS a hook that does
 * not allow provisioning fails the request "with ACCESS_DENIED" (pre-provisioning-hook.html). */
const ACCESS_DENIED: ProvisioningError = { statusCode: 403, errorCode: "AccessDenied", errorMessage: "ACCESS_DENIED: the pre-provisioning hook did not allow provisioning" };

export class FleetProvisioningService {
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly templateName: string;
  private readonly onPublish = (packet: AedesPublishPacket, client: Client | null) => {
    // Every publish passes here: leave anything that is not a provisioning request at once.
    if (!client || packet.topic.charCodeAt(0) !== 36 /* $ */) return;
    if (packet.topic === CREATE_KEYS_TOPIC) this.createKeysAndCertificate(client, packet);
    else if (packet.topic.startsWith("$aws/provisioning-templates/")) this.registerThing(client, packet);
  };

  private constructor(private readonly options: FleetProvisioningOptions) {
    this.templateName = provisioningTemplateName(options.app);
  }

  static start(options: FleetProvisioningOptions): FleetProvisioningService {
    const service = new FleetProvisioningService(options);
    options.aedes.on("publish", service.onPublish);
    return service;
  }

  stop(): void {
    this.options.aedes.off("publish", this.onPublish);
    this.outstanding.clear();
  }

  private createKeysAndCertificate(client: Client, packet: AedesPublishPacket): void {
    const topic = packet.topic;
    const batch = this.claimBatch(client);
    if (batch === undefined) return this.reject(client, topic, ACCESS_DENIED);
    this.prune();
    if (this.outstanding.size >= (this.options.maxOutstanding ?? 1000)) {
      this.log(`provisioning: throttled CreateKeysAndCertificate from claim "${batch}" (${this.outstanding.size} certificates await RegisterThing)`);
      return this.reject(client, topic, { statusCode: 429, errorCode: "Throttled", errorMessage: "too many certificates await RegisterThing; try again later" });
    }
    const certificateId = crypto.randomBytes(32).toString("hex");
    // The CN is an id, never a thing name: which thing the certificate belongs to is the registry's
    // word once RegisterThing succeeds (until then it connects as nothing).
    const { certPem, keyPem } = this.options.pki.issueThingCertificate(`cert-${certificateId.slice(0, 24)}`);
    const token = crypto.randomBytes(48).toString("base64url");
    this.outstanding.set(token, { certificateId, certPem, expiresAt: this.now() + OWNERSHIP_TOKEN_TTL_MS });
    const answer: CreateKeysAndCertificateResponse = { certificateId, certificatePem: certPem, privateKey: keyPem, certificateOwnershipToken: token };
    this.answer(client, `${topic}/accepted`, answer);
  }

  private registerThing(client: Client, packet: AedesPublishPacket): void {
    const topic = packet.topic;
    const template = templateOfRegisterTopic(topic);
    if (template === undefined) return;
    const batch = this.claimBatch(client);
    if (batch === undefined) return this.reject(client, topic, ACCESS_DENIED);
    if (template !== this.templateName) {
      return this.reject(client, topic, { statusCode: 404, errorCode: "ResourceNotFound", errorMessage: `provisioning template "${template}" does not exist (this cloud has "${this.templateName}")` });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(packet.payload.toString()) as Record<string, unknown>;
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    } catch {
      return this.reject(client, topic, { statusCode: 400, errorCode: "InvalidPayload", errorMessage: "the RegisterThing payload is not a JSON object" });
    }
    this.prune();
    const token = typeof body.certificateOwnershipToken === "string" ? body.certificateOwnershipToken : "";
    const certificate = this.outstanding.get(token);
    if (!certificate) {
      return this.reject(client, topic, { statusCode: 400, errorCode: "InvalidCertificateOwnershipToken", errorMessage: "certificateOwnershipToken is unknown, used or expired (tokens last one hour): call CreateKeysAndCertificate again" });
    }
    const { approvals } = this.options;
    const decision = decideProvisioning(body.parameters, (serial) => approvals.stateOf(serial), this.options);
    // Every board that names a valid serial is counted; an unknown one is listed as pending.
    const parsed = serialOf(body.parameters, this.options.app);
    if ("serial" in parsed && !approvals.recordRequest(parsed.serial, batch)) {
      this.log(`provisioning: the pending list is full; "${parsed.serial}" (claim "${batch}") was refused without being listed`);
    }
    if (!decision.allowProvisioning) {
      this.log(`provisioning: refused a board of claim "${batch}": ${decision.reason}`);
      return this.reject(client, topic, ACCESS_DENIED);
    }
    // Single-use approval, used up here at the decision rather than after the registry attach: the
    // check and the use are one SQLite statement, so no second ask (nor another process) slips in
    // while the attach runs; if the attach fails, the operator approves again (fails closed).
    if (!approvals.consumeApproval(decision.thingName)) {
      this.log(`provisioning: refused a board of claim "${batch}": ${alreadyJoinedReason(decision.thingName)}`);
      return this.reject(client, topic, ACCESS_DENIED);
    }
    this.outstanding.delete(token);
    void this.options.registry.attach(decision.thingName, certificate.certPem).then(
      () => {
        this.log(`provisioning: "${decision.thingName}" joined the fleet (claim "${batch}", certificate ${new X509Certificate(certificate.certPem).fingerprint256.slice(0, 23)}…)`);
        this.options.onProvisioned?.(decision.thingName);
        const answer: RegisterThingResponse = { deviceConfiguration: decision.parameterOverrides, thingName: decision.thingName };
        this.answer(client, `${topic}/accepted`, answer);
      },
      (error: Error) => {
        this.log(`provisioning: could not register "${decision.thingName}": ${error.message}`);
        this.reject(client, topic, { statusCode: 500, errorCode: "InternalFailure", errorMessage: "the thing could not be registered; see the local cloud's log" });
      },
    );
  }

  /** The claim batch of the asking connection, or undefined when it is not a claim certificate. */
  private claimBatch(client: Client): string | undefined {
    const socket = client.conn as Partial<TLSSocket>;
    const identity = typeof socket.getPeerCertificate === "function" ? this.options.pki.identityOf(socket.getPeerCertificate()) : undefined;
    return identity?.kind === "claim" ? identity.batch : undefined;
  }

  /** Expired tokens go (their certificates were never attached: AWS deletes those too). */
  private prune(): void {
    const now = this.now();
    for (const [token, o] of this.outstanding) if (o.expiresAt <= now) this.outstanding.delete(token);
  }

  private reject(client: Client, requestTopic: string, error: ProvisioningError): void {
    this.answer(client, `${requestTopic}/rejected`, error);
  }

  /** To the asking connection only; the broker still checks its iot:Receive. */
  private answer(client: Client, topic: string, body: object): void {
    client.publish({ cmd: "publish", topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false, dup: false } as AedesPublishPacket, (error?: Error) => {
      if (error) this.log(`provisioning: could not answer on ${topic}: ${error.message}`);
    });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
