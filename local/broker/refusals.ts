/** What the broker reports when it refuses something: which client, what it tried, and the
 * evaluator's reason (the policy statement that denied, or default deny and the policies that
 * were consulted), so a refused message can be traced to the rule without a debugger. */
import type { PolicyAction } from "../../core/policy";

/** Per protocol version (policyHooks.ts): an MQTT 5 client is told more and kept connected more often. */
export type RefusalOutcome =
  | "connection refused"
  | "connection closed"
  | `connection closed (DISCONNECT 0x${string})`
  | "publish refused (PUBACK 0x87)"
  | "message dropped"
  | "subscription refused (SUBACK 0x80)"
  | "subscription refused (SUBACK 0x87)"
  | "message not delivered";

export interface BrokerRefusal {
  /** `authenticate` when the client could not be identified at all, `mqtt` when AWS IoT Core
   * refuses the request at the protocol level (mqttLimits.ts): no policy was consulted. */
  action: PolicyAction | "authenticate" | "mqtt";
  /** ARN the policies were evaluated against (absent for `authenticate`). */
  resource?: string;
  clientId: string;
  /** `thing "a"`, `service "jobs"`, `dashboard`, or what the connection was (`mqtts`, `websocket`). */
  principal: string;
  reason: string;
  outcome: RefusalOutcome;
}

export function formatRefusal(refusal: BrokerRefusal): string {
  const what = refusal.resource ? `${refusal.action} on ${refusal.resource}` : refusal.action;
  return `broker: refused ${what} for ${refusal.principal} (client id "${refusal.clientId}"): ${refusal.reason}; ${refusal.outcome}`;
}

/** The errors that end what the broker refused and logged already (formatRefusal). aedes hands
 * the same error to its clientError event, which then does not log it again: one line per
 * refused connect or publish, in our words. */
const logged = new WeakSet<Error>();

export function refusalLogged<E extends Error>(error: E): E {
  logged.add(error);
  return error;
}

export function isLoggedRefusal(error: unknown): boolean {
  return error instanceof Error && logged.has(error);
}
