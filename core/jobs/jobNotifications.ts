/** When AWS IoT Jobs tells a device about its queue, decided from what the device was last told
 * (AWS IoT developer guide, "Jobs notifications",
 * https://docs.aws.amazon.com/iot/latest/developerguide/jobs-comm-notifications.html, and
 * "Jobs device MQTT API", https://docs.aws.amazon.com/iot/latest/developerguide/jobs-mqtt-api.html):
 *
 * - `notify` (ListNotification) "whenever ... a new job execution is queued or changes to a
 *   non-terminal status (IN_PROGRESS or QUEUED)" or "an old job execution changes to a terminal
 *   status": so start-next moving an execution to IN_PROGRESS sends one, an IN_PROGRESS → IN_PROGRESS
 *   progress update does not.
 * - `notify-next` (NextNotification) "whenever the first job execution in the list changes";
 *   "This message is not sent when the next job's execution details change, only when the next
 *   job that would be returned by DescribeJobExecution with jobId $next has changed."
 *
 * Pure state: the jobs service asks after every change what to publish. */
import type { Execution } from "./jobBook";

export interface PendingExecutions {
  inProgress: readonly Execution[];
  queued: readonly Execution[];
}

export interface NotificationsDue {
  /** Publish `$aws/things/{thing}/jobs/notify`. */
  list: boolean;
  /** Publish `$aws/things/{thing}/jobs/notify-next`. */
  next: boolean;
}

interface Told {
  list: string;
  next: string;
}

const NOTHING: Told = { list: "", next: "" };

export class JobNotifications {
  /** Only things with pending executions are kept, so the map is as large as the active fleet. */
  private readonly told = new Map<string, Told>();

  /** Things it remembers: those with pending executions. */
  get size(): number {
    return this.told.size;
  }

  /** What `thing` must be told now that its pending executions are `pending`; records it as told. */
  due(thing: string, pending: PendingExecutions): NotificationsDue {
    const before = this.told.get(thing) ?? NOTHING;
    const now: Told = { list: listKey(pending), next: nextKey(pending) };
    // Nothing pending (the list is empty exactly when there is no next): forget the thing.
    if (now.list === "") this.told.delete(thing);
    else this.told.set(thing, now);
    return { list: now.list !== before.list, next: now.next !== before.next };
  }
}

/** Membership and status of each pending execution: what a ListNotification reports. */
function listKey({ inProgress, queued }: PendingExecutions): string {
  return [...inProgress, ...queued].map((e) => `${e.jobId}#${e.executionNumber}:${e.status}`).join(",");
}

/** Which execution `$next` names (IN_PROGRESS before QUEUED, as DescribeJobExecution orders them). */
function nextKey({ inProgress, queued }: PendingExecutions): string {
  const next = inProgress[0] ?? queued[0];
  return next ? `${next.jobId}#${next.executionNumber}` : "";
}
