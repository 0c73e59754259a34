/** The AWS IoT Jobs MQTT API for one thing, through aws-iot-device-sdk-v2's own `iotjobs` client
 * on the thing's one MQTT connection: notify-next, start-next, `{jobId}/update`. One execution
 * runs at a time; start-next is asked again after each one ends and after every reconnect
 * (https://docs.aws.amazon.com/iot/latest/developerguide/jobs-workflow-device-online.html).
 * What an execution does is the caller's: the TypeScript device's OTA agent installs into its
 * own slots (otaAgent.ts), the network co-processor streams the package to its MCU
 * (firmware/coprocessor/coprocessorJobs.ts). */
import { iotjobs, mqtt } from "aws-iot-device-sdk-v2";
import { statusDetailValue } from "../../core/jobs/statusDetails";

export type JobStatus = iotjobs.model.JobStatus;
export const JobStatus = iotjobs.model.JobStatus;

export interface JobOutcome {
  status: JobStatus;
  /** Why it FAILED or was REJECTED; goes into statusDetails.reason. */
  reason?: string;
  details?: Record<string, string>;
}

export interface JobRunnerOptions {
  thing: string;
  connection: mqtt.MqttClientConnection;
  /** Runs one execution; `progress` reports an IN_PROGRESS step. Its outcome is reported as the
   * execution's terminal status (undefined: it was reported already, through `finish`). */
  run(jobId: string, document: unknown, progress: (step: string) => Promise<void>): Promise<JobOutcome | undefined>;
  log?: (line: string) => void;
}

const QOS = mqtt.QoS.AtLeastOnce;

export class JobRunner {
  private readonly jobs: iotjobs.IotJobsClient;
  private busy: Promise<void> = Promise.resolve();
  private readonly seen = new Set<string>();
  private stopped = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.jobs = new iotjobs.IotJobsClient(options.connection);
  }

  /** Subscribes to the thing's job topics, then asks for the next pending execution. The four
   * SUBSCRIBEs go out together and start-next once all are acknowledged: one round trip, not four
   * in turn. A fleet's devices are started a few at a time, each once this resolves, so four round
   * trips to a busy broker made every start longer; and the SUBACKs, arriving together, wake the
   * Node loop once instead of four times (each wake-up scans every aws-crt handle of a fleet host:
   * README "A thousand devices"). */
  async start(): Promise<void> {
    const thingName = this.options.thing;
    await Promise.all([
      this.jobs.subscribeToNextJobExecutionChangedEvents({ thingName }, QOS, (error, event) => {
        if (error) return this.log(`notify-next could not be read: ${error.message}`);
        if (event?.execution) this.startNext();
      }),
      this.jobs.subscribeToStartNextPendingJobExecutionAccepted({ thingName }, QOS, (error, response) => {
        if (error) return this.log(`start-next answer could not be read: ${error.message}`);
        const execution = response?.execution;
        if (execution?.jobId) this.enqueue(execution.jobId, execution.jobDocument, execution.executionNumber);
      }),
      this.jobs.subscribeToStartNextPendingJobExecutionRejected({ thingName }, QOS, (_e, response) => this.log(`start-next rejected: ${response?.code} ${response?.message}`)),
      this.jobs.subscribeToUpdateJobExecutionRejected({ thingName, jobId: "+" }, QOS, (_e, response) => this.log(`job update rejected: ${response?.code} ${response?.message}`)),
    ]);
    this.options.connection.on("resume", () => this.startNext());
    this.startNext();
  }

  /** No more executions are taken; resolves when the one running (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.busy;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Resolves when the work queued so far is done (tests). */
  idle(): Promise<void> {
    return this.busy;
  }

  /** Runs `work` after the execution in progress (and anything queued before it): one change of
   * the device's software at a time. */
  serialize(work: () => Promise<void>, what: string): void {
    this.busy = this.busy.then(work).catch((e: Error) => this.log(`${what} stopped: ${e.message}`));
  }

  /** Reports an IN_PROGRESS step. */
  async progress(jobId: string, step: string): Promise<void> {
    await this.update(jobId, JobStatus.IN_PROGRESS, { step });
  }

  /** Reports an execution's end (also one that ended outside `run`: a device that restarted
   * during a trial reports it after it is back), then asks for the next one. */
  async finish(jobId: string, outcome: JobOutcome): Promise<void> {
    const { status, reason, details = {} } = outcome;
    if (reason) this.log(`job ${jobId} ${status}: ${reason}`);
    // AWS refuses a value over 1024 characters or with a control character (an error's newlines),
    // and a refused update would leave the job IN_PROGRESS until it times out.
    await this.update(jobId, status, reason ? { ...details, reason: statusDetailValue(reason) } : details);
    this.startNext();
  }

  private startNext(): void {
    if (this.stopped) return;
    // One the stop overtook failed because the link closed: what the stop is for, not news.
    void this.jobs.publishStartNextPendingJobExecution({ thingName: this.options.thing }, QOS).catch((e: Error) => this.stopped || this.log(`start-next not sent: ${e.message}`));
  }

  /** start-next answers again (with the same execution) whenever a notification arrives
   * mid-execution; an execution already taken is not redone. */
  private enqueue(jobId: string, document: unknown, executionNumber: number | undefined): void {
    const key = `${jobId}#${executionNumber}`;
    if (this.seen.has(key) || this.stopped) return;
    this.seen.add(key);
    this.serialize(async () => {
      const outcome = await this.options.run(jobId, document, (step) => this.progress(jobId, step));
      if (outcome) await this.finish(jobId, outcome);
      else this.startNext();
    }, `job ${jobId}`);
  }

  private async update(jobId: string, status: JobStatus, statusDetails: Record<string, string>): Promise<void> {
    try {
      await this.jobs.publishUpdateJobExecution({ thingName: this.options.thing, jobId, status, statusDetails }, QOS);
    } catch (e) {
      this.log(`job ${jobId}: status ${status} not sent: ${(e as Error).message}`);
    }
  }

  private log(line: string): void {
    this.options.log?.(`[ota] ${line}`);
  }
}
