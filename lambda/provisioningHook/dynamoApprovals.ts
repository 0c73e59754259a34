/** The operator's approvals on AWS: one DynamoDB item per board serial (key `serial`; `state` is
 * pending | approved | denied). The hook reads an item and adds a pending one for an unknown
 * board (conditional put: a decision written meanwhile is never overwritten). Pending items carry
 * `expiresAt` (DynamoDB TTL, 30 days), so boards that ask and are never decided don't pile up;
 * approving or denying removes it (README, "Onboarding by claim" on AWS). */
import type { ApprovalState } from "../../core/provisioning/approval";

/** The parts of `@aws-sdk/client-dynamodb` used here (the Lambda runtime provides the module). */
export interface ApprovalsDynamoModule {
  GetItemCommand: new (input: object) => unknown;
  PutItemCommand: new (input: object) => unknown;
}

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
    return state === "pending" || state === "approved" || state === "denied" ? state : undefined;
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
}
