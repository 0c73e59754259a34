/** Server VM states in DynamoDB (one item per VM, key `vm`: a thing name or `_fleet`), the AWS
 * counterpart of local/server/serverStateTable.ts. Each write is conditional on the version the
 * batch started from, so two invocations handling one device at once can't lose an update: the
 * later one's write fails and core/server re-runs its batch on the newer state. A snapshot is a
 * few KB: far below DynamoDB's 400 KB item limit.
 *
 * Repeats: an IoT rule invokes the Lambda at least once per message, and a device resends what was
 * not acknowledged when it reconnects. With a `handled` table, each stored batch also writes one
 * marker per message (key `{vm}|{device}/{envelope id}`, gone by TTL after HANDLED_MARKER_DAYS) in
 * the same TransactWriteItems as the state, each on `attribute_not_exists`: the state and "this VM
 * handled it" are stored together or not at all, and a message already marked is dropped before
 * any handler runs (core/server/serverHost.ts). */
import { handledKey, type HandledMessage, type ServerStateStore, type ServerVmState } from "../../core/server/serverHost";

/** How long a VM remembers a message it handled: AWS IoT keeps a persistent session's queued
 * messages for at most 7 days (the "Persistent session expiry period" quota), so a device's resend
 * comes sooner. */
export const HANDLED_MARKER_DAYS = 7;

/** The parts of `@aws-sdk/client-dynamodb` used here (the Lambda runtime provides the module). */
export interface DynamoDbModule {
  DynamoDBClient: new (config: object) => DynamoDbClient;
  GetItemCommand: new (input: object) => unknown;
  PutItemCommand: new (input: object) => unknown;
  TransactWriteItemsCommand: new (input: object) => unknown;
}

export interface DynamoDbClient {
  send(command: unknown): Promise<any>;
}

export class DynamoServerState implements ServerStateStore {
  constructor(
    private readonly sdk: DynamoDbModule,
    private readonly client: DynamoDbClient,
    private readonly tableName: string,
    /** The handled-messages table (key `key`, TTL `expiresAt`); without it repeats are not detected. */
    private readonly handledTable?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (handledTable) this.handledAlready = (key, messages) => this.alreadyHandled(handledTable, key, messages);
  }

  readonly handledAlready?: ServerStateStore["handledAlready"];

  async load(key: string): Promise<ServerVmState | undefined> {
    const got = await this.client.send(new this.sdk.GetItemCommand({ TableName: this.tableName, Key: { vm: { S: key } }, ConsistentRead: true }));
    const item = got.Item as { build?: { S: string }; version?: { N: string }; snapshot?: { B: Uint8Array } } | undefined;
    if (!item?.build?.S || !item.version?.N || !item.snapshot?.B) return undefined;
    return { build: item.build.S, version: Number(item.version.N), snapshot: new Uint8Array(item.snapshot.B) };
  }

  async save(key: string, state: ServerVmState, expectedVersion: number, handled?: HandledMessage[]): Promise<boolean> {
    const condition =
      expectedVersion === 0
        ? { ConditionExpression: "attribute_not_exists(vm)" }
        : { ConditionExpression: "version = :expected", ExpressionAttributeValues: { ":expected": { N: String(expectedVersion) } } };
    const put = { TableName: this.tableName, Item: { vm: { S: key }, build: { S: state.build }, version: { N: String(state.version) }, snapshot: { B: state.snapshot } }, ...condition };
    try {
      if (!handled?.length || !this.handledTable) {
        await this.client.send(new this.sdk.PutItemCommand(put));
        return true;
      }
      const nowSeconds = Math.floor(this.now() / 1000);
      const expiresAt = { N: String(nowSeconds + HANDLED_MARKER_DAYS * 86_400) };
      // TTL deletes an expired item some time later: until then it counts as absent.
      const markers = handled.map((m) => ({
        Put: {
          TableName: this.handledTable,
          Item: { key: { S: markerKey(key, m) }, expiresAt },
          ConditionExpression: "attribute_not_exists(#k) OR expiresAt < :now",
          ExpressionAttributeNames: { "#k": "key" },
          ExpressionAttributeValues: { ":now": { N: String(nowSeconds) } },
        },
      }));
      await this.client.send(new this.sdk.TransactWriteItemsCommand({ TransactItems: [{ Put: put }, ...markers] }));
      return true;
    } catch (error) {
      const name = (error as { name?: string }).name;
      // A condition failed (another writer stored first, or marked one of these messages): the
      // host re-runs the batch on the newer state, without what was handled meanwhile.
      if (name === "ConditionalCheckFailedException" || (name === "TransactionCanceledException" && onlyConditionsFailed(error))) return false;
      throw error;
    }
  }

  private async alreadyHandled(table: string, key: string, messages: HandledMessage[]): Promise<Set<string>> {
    const seen = new Set<string>();
    // The Lambda hands one message per invocation: one strongly consistent read.
    for (const m of messages) {
      const got = await this.client.send(new this.sdk.GetItemCommand({ TableName: table, Key: { key: { S: markerKey(key, m) } }, ConsistentRead: true }));
      if (got.Item && Number(got.Item.expiresAt?.N ?? Infinity) >= Math.floor(this.now() / 1000)) seen.add(handledKey(m));
    }
    return seen;
  }
}

function markerKey(vm: string, m: HandledMessage): string {
  return `${vm}|${handledKey(m)}`;
}

/** A cancelled transaction whose reasons are all condition failures (or none): a lost race, not a fault. */
function onlyConditionsFailed(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.every((r) => r.Code === undefined || r.Code === "None" || r.Code === "ConditionalCheckFailed");
}
