/** Server VM states in DynamoDB (one item per VM, key `vm`: a thing name or `_fleet`), the AWS
 * counterpart of local/server/serverStateTable.ts. Each write is conditional on the version the
 * batch started from, so two invocations handling one device at once can't lose an update: the
 * later one's write fails and core/server re-runs its batch on the newer state. A snapshot is a
 * few KB: far below DynamoDB's 400 KB item limit. */
import type { ServerStateStore, ServerVmState } from "../../core/server/serverHost";

/** The parts of `@aws-sdk/client-dynamodb` used here (the Lambda runtime provides the module). */
export interface DynamoDbModule {
  DynamoDBClient: new (config: object) => DynamoDbClient;
  GetItemCommand: new (input: object) => unknown;
  PutItemCommand: new (input: object) => unknown;
}

export interface DynamoDbClient {
  send(command: unknown): Promise<any>;
}

export class DynamoServerState implements ServerStateStore {
  constructor(
    private readonly sdk: DynamoDbModule,
    private readonly client: DynamoDbClient,
    private readonly tableName: string,
  ) {}

  async load(key: string): Promise<ServerVmState | undefined> {
    const got = await this.client.send(new this.sdk.GetItemCommand({ TableName: this.tableName, Key: { vm: { S: key } }, ConsistentRead: true }));
    const item = got.Item as { build?: { S: string }; version?: { N: string }; snapshot?: { B: Uint8Array } } | undefined;
    if (!item?.build?.S || !item.version?.N || !item.snapshot?.B) return undefined;
    return { build: item.build.S, version: Number(item.version.N), snapshot: new Uint8Array(item.snapshot.B) };
  }

  async save(key: string, state: ServerVmState, expectedVersion: number): Promise<boolean> {
    const condition =
      expectedVersion === 0
        ? { ConditionExpression: "attribute_not_exists(vm)" }
        : { ConditionExpression: "version = :expected", ExpressionAttributeValues: { ":expected": { N: String(expectedVersion) } } };
    try {
      await this.client.send(
        new this.sdk.PutItemCommand({
          TableName: this.tableName,
          Item: { vm: { S: key }, build: { S: state.build }, version: { N: String(state.version) }, snapshot: { B: state.snapshot } },
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }
}
