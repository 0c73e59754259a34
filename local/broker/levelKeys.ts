/** aedes-persistence-level's key layout (its asyncPersistence.js), which the session store
 * (sessionStore.ts) and its index of stored clients (storedClients.ts) read and edit beside it,
 * as the persistence interface has no "delete this queued packet" nor "who has a session":
 * - `outgoing:{id}:{brokerId}:{counter padded to 16}` a client's queued message,
 * - `outgoing-id:{id}:{messageId padded to 16}` its message id,
 * - `subscriptions:{id}:{topic}` a subscription, `will:{id}` a last will;
 * ids URI-encoded. sessions.test.ts (the bounds, the first connect's reads) fails if they change. */
export const OUTGOING = "outgoing:";
export const OUTGOING_ID = "outgoing-id:";
export const SUBSCRIPTIONS = "subscriptions:";
export const WILL = "will:";

/** Every key that starts with `prefix` (ending in ":"), as LevelDB range options. */
export const prefixRange = (prefix: string) => ({ gte: prefix, lt: `${prefix.slice(0, -1)};` });

/** The client id a key of one of these prefixes belongs to. */
export const clientOfKey = (key: string, prefix: string) => decodeURIComponent(key.slice(prefix.length).split(":")[0]);
