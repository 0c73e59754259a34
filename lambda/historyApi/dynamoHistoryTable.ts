/** Channel history in DynamoDB, the AWS counterpart of local/history/historyTable.ts: items written
 * by one IoT topic rule per history channel (components/featureServer.ts, `historyRuleSql`) with
 * key `pk` = `{thing}/{channel}`, sort key `t` (the device's time), the envelope's `id` and `v`,
 * and `expiresAt` for DynamoDB's TTL. A resent message has the same key and overwrites itself. */
import type { StoredMessage } from "../../core/contracts/history";
import type { WireValue } from "../../core/contracts/wireValue";
import type { HistoryQuery } from "../../core/history/historyRequest";

/** The parts of `@aws-sdk/client-dynamodb` used here (the Lambda runtime provides the module). */
export interface DynamoDbQueryModule {
  DynamoDBClient: new (config: object) => { send(command: unknown): Promise<any> };
  QueryCommand: new (input: object) => unknown;
}

/** A DynamoDB attribute value as the topic rule's DynamoDBv2 action writes JSON: each JSON type
 * to its DynamoDB type (https://docs.aws.amazon.com/iot/latest/developerguide/dynamodb-v2-rule-action.html). */
export type AttributeValue = { S: string } | { N: string } | { BOOL: boolean } | { NULL: true } | { L: AttributeValue[] } | { M: Record<string, AttributeValue> };

export class DynamoHistoryTable {
  constructor(
    private readonly sdk: DynamoDbQueryModule,
    private readonly client: { send(command: unknown): Promise<any> },
    private readonly tableName: string,
  ) {}

  /** The newest `limit` messages at or after `since`, oldest first (one Query, newest first, reversed). */
  async query(q: HistoryQuery): Promise<StoredMessage[]> {
    const result = await this.client.send(
      new this.sdk.QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND t >= :since",
        ExpressionAttributeValues: { ":pk": { S: `${q.thing}/${q.channel}` }, ":since": { N: String(q.since) } },
        ProjectionExpression: "t, id, v",
        ScanIndexForward: false,
        Limit: q.limit,
      }),
    );
    const items = (result.Items ?? []) as Record<string, AttributeValue>[];
    return items.reverse().map((item) => ({ id: String(plainValue(item.id)), t: Number(plainValue(item.t)), v: plainValue(item.v) as WireValue }));
  }
}

/** An attribute value as plain JSON. */
export function plainValue(value: AttributeValue | undefined): unknown {
  if (value === undefined) return null;
  if ("S" in value) return value.S;
  if ("N" in value) return Number(value.N);
  if ("BOOL" in value) return value.BOOL;
  if ("NULL" in value) return null;
  if ("L" in value) return value.L.map(plainValue);
  if ("M" in value) return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, plainValue(v)]));
  throw new Error(`history: an attribute of an unexpected DynamoDB type: ${JSON.stringify(value).slice(0, 80)}`);
}
