/** Device status records in DynamoDB (one item per thing, key `thing`), written by the recorder
 * Lambda with the same rule the local broker applies (core/fleetStatus/statusRecord.ts) and read
 * in pages by the fleet-status API. Writes are optimistic: the put or delete only happens if the
 * item is still the one that was read (`receivedAt` unchanged), so two status messages of one
 * device handled at once (a reconnect racing its own last will) can't lose the newer one. */
import type { DeviceStatusRecord, FleetSegment, FleetStatusPage } from "../../core/contracts/fleetStatus";
import { nextStatusRecord } from "../../core/fleetStatus";

/** The parts of `@aws-sdk/client-dynamodb` used here (the Lambda runtime provides the module). */
export interface DynamoDbModule {
  DynamoDBClient: new (config: object) => DynamoDbClient;
  GetItemCommand: new (input: object) => unknown;
  PutItemCommand: new (input: object) => unknown;
  DeleteItemCommand: new (input: object) => unknown;
  ScanCommand: new (input: object) => unknown;
}

export interface DynamoDbClient {
  send(command: unknown): Promise<any>;
}

type Item = Record<string, { S?: string; N?: string; BOOL?: boolean }>;

/** Attempts per message when another write got in between. */
const MAX_ATTEMPTS = 5;

export class DynamoStatusTable {
  constructor(
    private readonly sdk: DynamoDbModule,
    private readonly client: DynamoDbClient,
    private readonly tableName: string,
  ) {}

  /** Applies one status message (raw payload bytes) received at `receivedAt`. */
  async record(thing: string, payload: Uint8Array, receivedAt: number): Promise<"put" | "delete" | "unchanged"> {
    const { sdk, client, tableName } = this;
    for (let attempt = 1; ; attempt++) {
      const got = await client.send(new sdk.GetItemCommand({ TableName: tableName, Key: { thing: { S: thing } }, ConsistentRead: true }));
      const previous = got.Item ? fromItem(got.Item as Item) : undefined;
      const change = nextStatusRecord(previous, thing, payload, receivedAt);
      if (change.kind === "unchanged") return "unchanged";
      const condition = previous
        ? { ConditionExpression: "receivedAt = :read", ExpressionAttributeValues: { ":read": { N: String(previous.receivedAt) } } }
        : { ConditionExpression: "attribute_not_exists(thing)" };
      try {
        if (change.kind === "put") await client.send(new sdk.PutItemCommand({ TableName: tableName, Item: toItem(change.record), ...condition }));
        else await client.send(new sdk.DeleteItemCommand({ TableName: tableName, Key: { thing: { S: thing } }, ...condition }));
        return change.kind;
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException" || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** One page; the cursor is DynamoDB's LastEvaluatedKey (a thing name). A segment is one of a
   * parallel scan's (Segment / TotalSegments), each paged with its own LastEvaluatedKey. */
  async page(after: string | undefined, limit: number, segment?: FleetSegment): Promise<FleetStatusPage> {
    const result = await this.client.send(
      new this.sdk.ScanCommand({
        TableName: this.tableName,
        Limit: limit,
        ...(after === undefined ? {} : { ExclusiveStartKey: { thing: { S: after } } }),
        ...(segment ? { Segment: segment.index, TotalSegments: segment.count } : {}),
      }),
    );
    const devices = ((result.Items ?? []) as Item[]).map(fromItem);
    const next = (result.LastEvaluatedKey as Item | undefined)?.thing?.S;
    return next === undefined ? { devices } : { devices, next };
  }
}

function toItem(r: DeviceStatusRecord): Item {
  return {
    thing: { S: r.thing },
    online: { BOOL: r.online },
    version: { S: r.version },
    bootId: { S: r.bootId },
    t: { N: String(r.t) },
    receivedAt: { N: String(r.receivedAt) },
  };
}

function fromItem(item: Item): DeviceStatusRecord {
  return {
    thing: item.thing?.S ?? "",
    online: item.online?.BOOL === true,
    version: item.version?.S ?? "",
    bootId: item.bootId?.S ?? "",
    t: Number(item.t?.N ?? 0),
    receivedAt: Number(item.receivedAt?.N ?? 0),
  };
}
