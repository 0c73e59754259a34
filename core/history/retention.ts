/** History retention and time-keeping, shared by the local store (SQLite) and AWS (DynamoDB TTL). */
const DAY_MS = 86_400_000;

/** Rows older than this (unix ms) are dropped for a channel kept `days` days. */
export function retentionCutoff(now: number, days: number): number {
  return now - days * DAY_MS;
}

/** DynamoDB's TTL attribute for a message: unix *seconds* at which it expires. */
export function expiresAtSeconds(t: number, days: number): number {
  return Math.ceil((t + days * DAY_MS) / 1000);
}

/** A device's clock may be unset (1970 after a cold boot without NTP) or wrong: a message time
 * more than a day away from when the cloud received it is replaced by the receive time, so it is
 * neither dropped at once by retention nor kept for ever, and charts place it near the truth. */
export const MAX_CLOCK_SKEW_MS = DAY_MS;

export function storedTime(deviceTime: number, receivedAt: number): number {
  return Number.isFinite(deviceTime) && Math.abs(deviceTime - receivedAt) <= MAX_CLOCK_SKEW_MS ? deviceTime : receivedAt;
}
