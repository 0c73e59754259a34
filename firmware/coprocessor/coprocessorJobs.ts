/** The Jobs half of the network co-processor: it takes the thing's OTA jobs (firmware/ota's
 * JobRunner, the same Jobs MQTT API client as the TypeScript device), offers each to the MCU,
 * downloads the package over HTTPS (firmware/ota/download.ts) only when the MCU wants it, streams
 * it over the link, and reports the MCU's verdict as the job's status. The decisions (engine,
 * version, size and SHA-256 of what arrived, trial, rollback) are the MCU's
 * (firmware/native/link/linkDevice.c): nothing is checked here that the MCU would have to trust. */
import type { mqtt } from "aws-iot-device-sdk-v2";
import { parseOtaJobDocument } from "../../core/contracts/jobDocument";
import { download } from "../ota/download";
import { JobRunner, JobStatus, type JobOutcome } from "../ota/jobRunner";
import type { Coprocessor, InstallResult, OtaReply } from "./coprocessor";
import { OTA_REPLY } from "./linkMessages";

/** An install (offer, download, stream, trial) that takes longer ends FAILED. */
export const INSTALL_TIMEOUT_MS = 120_000;
/** Late verdicts remembered (a start-next answer is at most one update behind). */
const ENDED_REMEMBERED = 64;

export interface CoprocessorJobsOptions {
  thing: string;
  connection: mqtt.MqttClientConnection;
  coprocessor: Coprocessor;
  /** Trust for the HTTPS download: the local cloud's CA; omit on AWS. */
  caCertPem?: string;
  installTimeoutMs?: number;
  log?: (line: string) => void;
}

export class CoprocessorJobs {
  readonly runner: JobRunner;
  /** Jobs whose end the MCU reported on its own (after a restart of either side): an offer of
   * one again (start-next still finds it IN_PROGRESS until the update lands) is not made. */
  private readonly ended = new Set<string>();
  private readonly removeListener: () => void;

  constructor(private readonly options: CoprocessorJobsOptions) {
    this.runner = new JobRunner({ thing: options.thing, connection: options.connection, run: (jobId, document, progress) => this.install(jobId, document, progress), log: options.log });
    this.removeListener = options.coprocessor.onUnsolicitedReply((reply) => this.lateVerdict(reply));
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  async stop(): Promise<void> {
    this.removeListener();
    await this.runner.stop();
  }

  private async install(jobId: string, rawDocument: unknown, progress: (step: string) => Promise<void>): Promise<JobOutcome | undefined> {
    if (this.ended.has(jobId)) return undefined;
    let doc;
    try {
      doc = parseOtaJobDocument(rawDocument);
    } catch (e) {
      return { status: JobStatus.REJECTED, reason: (e as Error).message };
    }
    const { coprocessor } = this.options;
    const deadline = Date.now() + (this.options.installTimeoutMs ?? INSTALL_TIMEOUT_MS);
    const decision = await coprocessor.offer({ jobId, version: doc.version, engine: doc.engine, size: doc.size, sha256: doc.sha256 }, deadline);
    // Stopped meanwhile: the MCU tells its verdict to the next co-processor.
    if (!this.runner.running) return undefined;
    if (decision.reply !== OTA_REPLY.PROCEED) return outcomeOf(decision);
    await progress("downloading");
    let bytes: Uint8Array;
    try {
      bytes = await download(doc.url, doc.size, this.options.caCertPem);
    } catch (e) {
      return { status: JobStatus.FAILED, reason: (e as Error).message };
    }
    await progress("streaming to the MCU");
    const result = await coprocessor.stream(jobId, bytes, deadline);
    return this.runner.running ? outcomeOfResult(result, doc.version) : undefined;
  }

  /** A verdict nobody here asked for: a trial that outlived the co-processor which started it,
   * or one a board reset interrupted. */
  private lateVerdict(reply: OtaReply): void {
    if (reply.reply === OTA_REPLY.PROCEED || !this.runner.running) return;
    this.ended.add(reply.jobId);
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!);
    void this.runner.finish(reply.jobId, outcomeOf(reply));
  }
}

function outcomeOf(reply: OtaReply): JobOutcome {
  switch (reply.reply) {
    case OTA_REPLY.ALREADY_INSTALLED:
      return { status: JobStatus.SUCCEEDED, details: { result: "already installed" } };
    case OTA_REPLY.SUCCEEDED:
      return { status: JobStatus.SUCCEEDED };
    case OTA_REPLY.REJECTED:
      return { status: JobStatus.REJECTED, reason: reply.reason };
    default:
      return { status: JobStatus.FAILED, reason: reply.reason || "the MCU gave no reason" };
  }
}

function outcomeOfResult(result: InstallResult, version: string): JobOutcome {
  if (result.status === "SUCCEEDED") return { status: JobStatus.SUCCEEDED, details: { version } };
  return { status: result.status === "REJECTED" ? JobStatus.REJECTED : JobStatus.FAILED, reason: result.reason };
}
