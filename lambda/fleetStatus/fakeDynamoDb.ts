/** A stand-in for `@aws-sdk/client-dynamodb` in tests (AWS can't be reached from the test
 * machine): the four commands the fleet-status Lambdas send, on a Map, with DynamoDB's semantics
 * for what they use (conditional writes that fail with ConditionalCheckFailedException, Scan pages
 * with Limit / ExclusiveStartKey / LastEvaluatedKey in a fixed order that is not name order). */
import type { DynamoDbModule } from "./dynamoStatusTable";
import { segmentOf } from "../../core/fleetStatus/fleetStatusTable";

type Item = Record<string, { S?: string; N?: string; BOOL?: boolean }>;

class Command {
  constructor(readonly input: any) {}
}

export interface FakeDynamoDb {
  module: DynamoDbModule;
  items: Map<string, Item>;
  sent: Array<{ command: string; input: any }>;
  /** Runs before a conditional write is checked: lets a test slip another write in between. */
  beforeWrite?: () => Promise<void>;
}

export function fakeDynamoDb(): FakeDynamoDb {
  const items = new Map<string, Item>();
  const sent: FakeDynamoDb["sent"] = [];
  const fake: FakeDynamoDb = { items, sent, module: undefined as unknown as DynamoDbModule };
  class GetItemCommand extends Command {}
  class PutItemCommand extends Command {}
  class DeleteItemCommand extends Command {}
  class ScanCommand extends Command {}
  // Hash order, not name order: the cursor must not assume sorting.
  const scanOrder = () => [...items.keys()].sort((a, b) => hash(a) - hash(b) || a.localeCompare(b));
  const checkCondition = (input: any) => {
    const existing = items.get(input.Item?.thing?.S ?? input.Key?.thing?.S);
    const ok =
      input.ConditionExpression === "attribute_not_exists(thing)"
        ? existing === undefined
        : input.ConditionExpression === "receivedAt = :read"
          ? existing?.receivedAt?.N === input.ExpressionAttributeValues[":read"].N
          : input.ConditionExpression === undefined;
    if (!ok) throw Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
  };
  class DynamoDBClient {
    async send(command: Command): Promise<any> {
      sent.push({ command: command.constructor.name, input: command.input });
      const input = command.input;
      if (command instanceof GetItemCommand) {
        const item = items.get(input.Key.thing.S);
        return item ? { Item: structuredClone(item) } : {};
      }
      if (command instanceof PutItemCommand || command instanceof DeleteItemCommand) {
        const hook = fake.beforeWrite;
        fake.beforeWrite = undefined;
        await hook?.();
        checkCondition(input);
        if (command instanceof PutItemCommand) items.set(input.Item.thing.S, structuredClone(input.Item));
        else items.delete(input.Key.thing.S);
        return {};
      }
      if (command instanceof ScanCommand) {
        // A parallel scan's segment: a fixed, disjoint share of the items (DynamoDB hashes keys).
        const order = input.TotalSegments ? scanOrder().filter((n) => segmentOf(n, input.TotalSegments) === input.Segment) : scanOrder();
        const start = input.ExclusiveStartKey ? order.indexOf(input.ExclusiveStartKey.thing.S) + 1 : 0;
        const names = order.slice(start, start + input.Limit);
        const more = start + input.Limit < order.length;
        return { Items: names.map((n) => structuredClone(items.get(n)!)), ...(more ? { LastEvaluatedKey: { thing: { S: names[names.length - 1] } } } : {}) };
      }
      throw new Error(`fake DynamoDB: unexpected command ${command.constructor.name}`);
    }
  }
  fake.module = { DynamoDBClient, GetItemCommand, PutItemCommand, DeleteItemCommand, ScanCommand } as unknown as DynamoDbModule;
  return fake;
}

function hash(text: string): number {
  let h = 7;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) % 1009;
  return h;
}
