/** The operator's approvals on AWS: one DynamoDB item per board serial (key `serial`; `state` is
 * pending | approved | denied | joined). The hook reads an item and adds a pending one for an unknown
 * board (conditional put: a decision written meanwhile is never overwritten); it lets an approved
 * board through only by using its approval up (conditional update approved → joined, so of two
 * racing asks one wins). Pending items carry
 * `expiresAt` (DynamoDB TTL, 30 days), so boards that ask and are never decided don't pile up;
 * approving or denying removes it (README, "Onboarding by claim" on AWS). The approvals API
 * (lambda/approvalsApi) lists the items and writes the operator's decisions. */
import { isApprovalState, MAX_LISTED_APPROVALS, type ApprovalRecord } from "../../core/contracts/approvalsApi";
import type { ApprovalState } from "../../core/provisioning/approval";

/** The parts of `@aws-sdk/client-dynamodb` used here (the Lambda runtime provides the module). */
export interface ApprovalsDynamoModule {
  GetItemCommand: new (input: object) => unknown;
  PutItemCommand: new (input: object) => unknown;
  /** The hook's conditional update (consume) and the approvals API's decisions. */
  UpdateItemCommand: new (input: object) => unknown;
  /** The approvals API's. */
  ScanCommand: new (input: object) => unknown;
}

type Item = Record<string, { S?: string; N?: string }>;

export interface ApprovalsDynamoClient {
  send(command: unknown): Promise<any>;
}

export const PENDING_TTL_SECONDS = 30 * 24 * 60 * 60;

export class DynamoApprovals {
  constructor(
    private readonly sdk: ApprovalsDynamoModule,
    private readonly client: ApprovalsDynamoClient,
    private readonly tableName: string,
  ) {}

  async stateOf(serial: string): Promise<ApprovalState | undefined> {
    const got = await this.client.send(new this.sdk.GetItemCommand({ TableName: this.tableName, Key: { serial: { S: serial } }, ConsistentRead: true }));
    const state = got.Item?.state?.S;
    return isApprovalState(state) ? state : undefined;
  }

  /** Uses the approval up: approved → joined, in one conditional UpdateItem. False when the item
   * was not approved any more (another ask used it, or the operator denied meanwhile). */
  async consume(serial: string, now: number): Promise<boolean> {
    try {
      await this.client.send(
        new this.sdk.UpdateItemCommand({
          TableName: this.tableName,
          Key: { serial: { S: serial } },
          UpdateExpression: "SET #state = :joined, joinedAt = :now",
          ConditionExpression: "#state = :approved",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":joined": { S: "joined" }, ":approved": { S: "approved" }, ":now": { N: String(now) } },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  /** Lists an unknown board as pending; leaves an existing item (and any decision) alone. */
  async addPending(serial: string, claimCertificateId: string | undefined, now: number): Promise<void> {
    try {
      await this.client.send(
        new this.sdk.PutItemCommand({
          TableName: this.tableName,
          Item: {
            serial: { S: serial },
            state: { S: "pending" },
            firstSeen: { N: String(now) },
            expiresAt: { N: String(Math.floor(now / 1000) + PENDING_TTL_SECONDS) },
            ...(claimCertificateId ? { claimCertificateId: { S: claimCertificateId } } : {}),
          },
          ConditionExpression: "attribute_not_exists(serial)",
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
    }
  }

  /** Every board (at most MAX_LISTED_APPROVALS), pending first, then by serial: Scan pages until
   * the table or the bound ends (the table holds one item per board that asked or was decided). */
  async list(): Promise<ApprovalRecord[]> {
    const records: ApprovalRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new this.sdk.ScanCommand({ TableName: this.tableName, Limit: MAX_LISTED_APPROVALS - records.length, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of (page.Items ?? []) as Item[]) {
        const record = fromItem(item);
        if (record) records.push(record);
      }
      start = page.LastEvaluatedKey as Item | undefined;
    } while (start && records.length < MAX_LISTED_APPROVALS);
    return records.sort((a, b) => Number(a.state !== "pending") - Number(b.state !== "pending") || (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0));
  }

  /** The operator's decision, before or after the board asked; a decided item no longer expires. */
  async decide(serial: string, state: "approved" | "denied", now: number): Promise<ApprovalRecord> {
    const result = await this.client.send(
      new this.sdk.UpdateItemCommand({
        TableName: this.tableName,
        Key: { serial: { S: serial } },
        UpdateExpression: "SET #state = :state, decidedAt = :now REMOVE expiresAt",
        // `state` is a DynamoDB reserved word.
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":state": { S: state }, ":now": { N: String(now) } },
        ReturnValues: "ALL_NEW",
      }),
    );
    const record = fromItem((result.Attributes ?? {}) as Item);
    if (!record) throw new Error(`the approvals table answered the decision about "${serial}" with an unreadable item`);
    return record;
  }
}

/** An item as the approvals API's record; undefined for an item that isn't one (written by hand). */
function fromItem(item: Item): ApprovalRecord | undefined {
  const serial = item.serial?.S;
  const state = item.state?.S;
  if (!serial || !isApprovalState(state)) return undefined;
  const number = (name: string) => (item[name]?.N !== undefined ? { [name]: Number(item[name].N) } : {});
  return { serial, state, ...number("firstSeen"), ...number("decidedAt"), ...number("joinedAt") };
}
