/** What the local broker keeps for a persistent session (cleanSession = 0), and when it lets go,
 * after AWS IoT Core's documented limits:
 * - "Persistent session expiry period", 1 hour by default: the session (subscriptions and queued
 *   messages) ends that long after the broker noticed the disconnect
 *   (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits,
 *   https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-persistent-sessions).
 * - "Maximum retry interval for delivering QoS 1 messages", 1 hour: an unacknowledged QoS 1
 *   message is dropped after an hour (same quotas page).
 * - "Queued messages per second per account", 500: "Messages are stored according to account
 *   limit. Messages that exceed the limit will be dropped" (the persistent sessions page): the
 *   new ones, the queue keeps what it had.
 * AWS documents no per-client count, only the rate and the hour; a local broker has one disk, so
 * it also caps each client's queue (`maxQueuedPerClient`), dropping the oldest first, like the
 * device's own outbox. Both ends say what they dropped. */

export interface SessionLimits {
  /** A disconnected session's lifetime (AWS default 1 h, adjustable up to 7 days there). */
  sessionExpiryMs: number;
  /** How long a queued or unacknowledged QoS 1 message is kept (AWS: 1 h, not adjustable). */
  messageExpiryMs: number;
  /** Messages queued for offline clients per second, across the broker (AWS: 500 per account). */
  queuedPerSecond: number;
  /** Local bound per client (AWS has none documented): beyond it the oldest are dropped. */
  maxQueuedPerClient: number;
}

export const AWS_SESSION_LIMITS: SessionLimits = {
  sessionExpiryMs: 60 * 60 * 1000,
  messageExpiryMs: 60 * 60 * 1000,
  queuedPerSecond: 500,
  maxQueuedPerClient: 10_000,
};

/** Why a queued message was let go (reported per client). */
export type DropReason = "expired" | "overflow" | "rate";

export interface QueuedEntry {
  queuedAt: number;
}

/** The decision for one client's queue, oldest first: how many from the head to drop as
 * expired, then how many more because the queue is over its cap. The caller deletes them. */
export function trimQueue(queue: readonly QueuedEntry[], now: number, limits: SessionLimits): { expired: number; overflow: number } {
  let expired = 0;
  while (expired < queue.length && now - queue[expired].queuedAt >= limits.messageExpiryMs) expired++;
  const overflow = Math.max(0, queue.length - expired - limits.maxQueuedPerClient);
  return { expired, overflow };
}

/** Whether a disconnected session has outlived the expiry period. */
export function sessionExpired(disconnectedAt: number, now: number, limits: Pick<SessionLimits, "sessionExpiryMs">): boolean {
  return now - disconnectedAt >= limits.sessionExpiryMs;
}

/** AWS's per-account queueing rate, as a one-second window: `admit()` says whether one more
 * message for an offline client may be queued now. */
export class QueueRate {
  private windowStart = -Infinity;
  private inWindow = 0;

  constructor(private readonly limits: SessionLimits) {}

  admit(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.limits.queuedPerSecond) return false;
    this.inWindow++;
    return true;
  }
}

/** Checks options a user passes; says which one and what is allowed. */
export function resolveSessionLimits(given: Partial<SessionLimits> | undefined): SessionLimits {
  const limits = { ...AWS_SESSION_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`LocalBroker sessionLimits.${name} must be a positive number, got ${value}`);
  }
  if (!Number.isInteger(limits.maxQueuedPerClient) || !Number.isInteger(limits.queuedPerSecond)) {
    throw new Error(`LocalBroker sessionLimits: maxQueuedPerClient and queuedPerSecond must be whole numbers, got ${limits.maxQueuedPerClient} and ${limits.queuedPerSecond}`);
  }
  return limits;
}
