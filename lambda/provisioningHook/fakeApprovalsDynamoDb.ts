/** A stand-in for the DynamoDB calls the approvals table sees (the hook's GetItem, conditional
 * PutItem and conditional UpdateItem, the approvals API's Scan pages and UpdateItem), for tests: the real SDK's command
 * classes and client shape, items in insertion order (not serial order, as a Scan's isn't). */
import assert from "node:assert/strict";
import { DynamoApprovals, type ApprovalsDynamoModule } from "./dynamoApprovals";

type Item = Record<string, { S?: string; N?: string }>;

export function fakeApprovalsTable(tableName = "approvals") {
  const items = new Map<string, Item>();
  const sent: string[] = [];
  class Command {
    constructor(readonly input: any) {}
  }
  class GetItemCommand extends Command {}
  class PutItemCommand extends Command {}
  class ScanCommand extends Command {}
  class UpdateItemCommand extends Command {}
  const client = {
    async send(command: Command): Promise<any> {
      const { input } = command;
      sent.push(command.constructor.name);
      assert.equal(input.TableName, tableName);
      if (command instanceof GetItemCommand) {
        const item = items.get(input.Key.serial.S);
        return item ? { Item: structuredClone(item) } : {};
      }
      if (command instanceof PutItemCommand) {
        if (input.ConditionExpression === "attribute_not_exists(serial)" && items.has(input.Item.serial.S)) {
          throw Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
        }
        items.set(input.Item.serial.S, structuredClone(input.Item));
        return {};
      }
      if (command instanceof ScanCommand) {
        const order = [...items.keys()];
        const start = input.ExclusiveStartKey ? order.indexOf(input.ExclusiveStartKey.serial.S) + 1 : 0;
        const names = order.slice(start, start + input.Limit);
        const more = start + input.Limit < order.length;
        return { Items: names.map((n) => structuredClone(items.get(n)!)), ...(more ? { LastEvaluatedKey: { serial: { S: names[names.length - 1] } } } : {}) };
      }
      if (command instanceof UpdateItemCommand) {
        // "SET a = :x, #b = :y REMOVE c": what DynamoApprovals.decide sends, applied as DynamoDB would
        // (an absent item is created with the key).
        const match = /^SET (.+?)(?: REMOVE (.+))?$/.exec(input.UpdateExpression);
        assert.ok(match, `fake DynamoDB: unexpected UpdateExpression ${input.UpdateExpression}`);
        const name = (n: string) => (n.startsWith("#") ? input.ExpressionAttributeNames[n] : n);
        const item: Item = structuredClone(items.get(input.Key.serial.S) ?? { serial: input.Key.serial });
        // "#a = :x": the consume's condition, checked and applied in one step as DynamoDB does.
        if (input.ConditionExpression !== undefined) {
          const condition = /^(\S+) = (:\w+)$/.exec(input.ConditionExpression);
          assert.ok(condition, `fake DynamoDB: unexpected ConditionExpression ${input.ConditionExpression}`);
          if (item[name(condition[1])]?.S !== input.ExpressionAttributeValues[condition[2]].S) {
            throw Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
          }
        }
        for (const assignment of match[1].split(",")) {
          const [field, value] = assignment.split("=").map((x) => x.trim());
          item[name(field)] = input.ExpressionAttributeValues[value];
        }
        for (const field of match[2]?.split(",") ?? []) delete item[name(field.trim())];
        items.set(input.Key.serial.S, item);
        return { Attributes: structuredClone(item) };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  const sdk = { GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } as unknown as ApprovalsDynamoModule;
  return { items, sent, table: new DynamoApprovals(sdk, client, tableName) };
}
