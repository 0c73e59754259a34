/** What AWS IoT Jobs accepts as a job execution's `statusDetails`, for the local jobs service
 * (which refuses what AWS refuses) and for devices (which must only send what AWS takes).
 * API reference, JobExecutionState / UpdateJobExecution
 * (https://docs.aws.amazon.com/iot/latest/apireference/API_iot-jobs-data_JobExecutionState.html):
 * keys 1–128 characters of `[a-zA-Z0-9:_-]`, values 1–1024 characters matching `[^\p{C}]+`
 * (no control or format characters: a newline in a value is refused), at most 10 pairs
 * (API_CancelJobExecution: "You can specify at most 10 name/value pairs"). AWS answers a
 * violation with an `InvalidRequest` rejection, and the execution keeps its previous status. */

export type StatusDetails = Record<string, string>;

export const MAX_STATUS_DETAILS = 10;
export const MAX_STATUS_DETAIL_KEY_LENGTH = 128;
export const MAX_STATUS_DETAIL_VALUE_LENGTH = 1024;
const KEY = /^[a-zA-Z0-9:_-]+$/;
const VALUE = /^[^\p{C}]+$/u;

/** Why `details` would be refused by AWS, or undefined when it is acceptable. */
export function statusDetailsProblem(details: unknown): string | undefined {
  if (typeof details !== "object" || details === null || Array.isArray(details)) return "statusDetails must be an object of strings";
  const entries = Object.entries(details);
  if (entries.length > MAX_STATUS_DETAILS) return `statusDetails holds ${entries.length} pairs; AWS takes at most ${MAX_STATUS_DETAILS}`;
  for (const [key, value] of entries) {
    if (key.length > MAX_STATUS_DETAIL_KEY_LENGTH || !KEY.test(key)) {
      return `statusDetails key ${JSON.stringify(key.slice(0, 40))} must be 1–${MAX_STATUS_DETAIL_KEY_LENGTH} characters of [a-zA-Z0-9:_-]`;
    }
    if (typeof value !== "string") return `statusDetails.${key} must be a string, got ${typeof value}`;
    const length = [...value].length;
    if (length > MAX_STATUS_DETAIL_VALUE_LENGTH) return `statusDetails.${key} is ${length} characters; AWS takes at most ${MAX_STATUS_DETAIL_VALUE_LENGTH}`;
    if (!VALUE.test(value)) return `statusDetails.${key} must be non-empty text without control characters (newlines, tabs)`;
  }
  return undefined;
}

/** Turns any text (an error message with newlines, say) into a value AWS accepts. */
export function statusDetailValue(text: string): string {
  const flat = text.replace(/\s*\p{C}+\s*/gu, " ").trim();
  // By code point, so a cut never leaves half a surrogate pair (itself a control character).
  return [...(flat || "-")].slice(0, MAX_STATUS_DETAIL_VALUE_LENGTH).join("");
}
