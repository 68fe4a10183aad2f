/**
 * The application's record of each member account, in the DynamoDB table `AccountsTable` (key `accountId`): what
 * this application did to the account (origin of the Datadog registration, how Datadog reaches it, the policy it was
 * built from, when it was last onboarded), so that offboarding removes only what is ours and reconciliation and
 * operators can read it. The same item holds the account's lease: one onboarding or offboarding of an account at a
 * time, taken with one conditional write (O(1), whatever the number of running executions).
 *
 * The table name comes from `ACCOUNTS_TABLE_NAME` (template.yaml), read at each call: locally, each deployment of
 * the stack in the same process has its own table.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { pickEnv, readEnv } from '../config';
import { TransientError } from '../errors';
import type { Partition } from '../partitions';

/** Where an account stands in its life with this application. */
export type AccountRecordState = 'onboarding' | 'onboarded' | 'failed' | 'offboarding' | 'offboarded';

/** One item of the accounts table. Timestamps are ISO 8601 (UTC); `leaseExpiresAt` is epoch seconds. */
export interface AccountRecord {
  /** The member account (12 digits), the table's partition key. */
  accountId: string;
  partition: Partition;
  /** How Datadog authenticates to the account. */
  authType?: 'role' | 'access_keys';
  state: AccountRecordState;
  /** `created`: this application created the Datadog registration; `adopted`: Datadog held it before. */
  origin?: 'created' | 'adopted';
  /** Datadog's id of the registration (`aws_accounts` config id). */
  datadogAccountConfigId?: string;
  /** The role Datadog assumes (role delegation). */
  roleName?: string;
  /** The external ID of the role's trust policy; not a secret (it guards against the confused deputy). */
  externalId?: string;
  /** ARN of the secret holding Datadog's access key (access keys); never the key itself. */
  accessKeySecretArn?: string;
  /** sha256 (hex) of the sorted, de-duplicated permission list the integration policy was built from. */
  policyHash?: string;
  organizationalUnitId?: string;
  lastOnboardedAt?: string;
  lastValidatedAt?: string;
  lastReconciledAt?: string;
  lastOffboardedAt?: string;
  /** The error of the last failed execution, as Step Functions reports it (the cause names no secret). */
  lastError?: { error: string; cause: string };
  /** ARN of the execution holding the lease. */
  leaseHolder?: string;
  /** When the lease ends, epoch seconds. */
  leaseExpiresAt?: number;
}

/** The fields {@link updateAccountRecord} writes: all but the key and the lease, which only the lease calls change. */
export type AccountRecordFields = Partial<Omit<AccountRecord, 'accountId' | 'leaseHolder' | 'leaseExpiresAt'>>;

/** The outcome of {@link acquireLease}. */
export type LeaseOutcome = { acquired: true } | { acquired: false; holder: string; expiresAt: number };

// Module-level, like the other AWS clients: reused across warm invocations. Empty and undefined attributes are
// dropped, since a record never stores "no value" as a value.
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

/** Attempts at the lease when it is released between a refused take and the read of its holder (without ALL_OLD). */
const MAX_LEASE_ATTEMPTS = 3;

function tableName(): string {
  return readEnv(pickEnv('ACCOUNTS_TABLE_NAME')).ACCOUNTS_TABLE_NAME;
}

/** Epoch seconds now (`Date.now()`, so local runs read their virtual clock). */
function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Reads an account's record (strongly consistent: a record just written is seen).
 *
 * @param accountId - the member account, 12 digits.
 * @returns the record, or `undefined` when the application never recorded the account.
 * @throws the SDK's errors (throttling is retried by the state machine as a TransientError).
 */
export async function getAccountRecord(accountId: string): Promise<AccountRecord | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName(), Key: { accountId }, ConsistentRead: true }));
  return Item as AccountRecord | undefined;
}

/**
 * Writes fields of an account's record (creating it when absent); fields not given are left as they are.
 *
 * @param accountId - the member account, 12 digits.
 * @param fields - the attributes to set; `undefined` ones are left out.
 * @param options - `releaseLeaseOf`: also ends the lease when this execution ARN holds it (another holder's lease is
 *   left as it is), in the same write.
 * @returns the whole record after the write.
 * @throws the SDK's errors.
 *
 * @example
 * ```ts
 * await updateAccountRecord('444455556666', { state: 'onboarded', partition: 'aws' }, { releaseLeaseOf: executionArn });
 * ```
 */
export async function updateAccountRecord(
  accountId: string,
  fields: AccountRecordFields,
  options: { releaseLeaseOf?: string } = {},
): Promise<AccountRecord> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value], index) => {
      names[`#f${index}`] = key;
      values[`:f${index}`] = value;
      return `#f${index} = :f${index}`;
    });
  const write = (release: string | undefined) => {
    const clauses = [
      ...(sets.length > 0 ? [`SET ${sets.join(', ')}`] : []),
      ...(release === undefined ? [] : ['REMOVE leaseHolder, leaseExpiresAt']),
    ];
    const allValues = release === undefined ? values : { ...values, ':me': release };
    return documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { accountId },
        // With nothing to set, UpdateItem still creates the item (its key alone), so the result is always a record.
        ...(clauses.length > 0 ? { UpdateExpression: clauses.join(' ') } : {}),
        ...(release === undefined ? {} : { ConditionExpression: 'attribute_not_exists(leaseHolder) OR leaseHolder = :me' }),
        ...(sets.length > 0 ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(allValues).length > 0 ? { ExpressionAttributeValues: allValues } : {}),
        ReturnValues: 'ALL_NEW',
      }),
    );
  };
  const release = options.releaseLeaseOf;
  try {
    // The fields and the release in one write when the lease is this execution's (or nobody's).
    return (await write(release)).Attributes as AccountRecord;
  } catch (error) {
    if (release === undefined || !(error instanceof ConditionalCheckFailedException)) throw error;
    // Another execution holds the lease (this one's expired and was taken over): the fields are written, its lease kept.
    return (await write(undefined)).Attributes as AccountRecord;
  }
}

/**
 * Takes the account's lease for `seconds`: granted when nobody holds it, when the holder's lease has expired, or
 * when `holder` already holds it (a retried ResolveTarget; the expiry is then extended). One conditional UpdateItem
 * (`attribute_not_exists(leaseHolder) OR leaseExpiresAt < :now OR leaseHolder = :me`), so of several executions
 * racing for one account exactly one gets it.
 *
 * @param accountId - the member account, 12 digits.
 * @param holder - the execution ARN taking the lease.
 * @param seconds - how long the lease lasts, from now, seconds.
 * @returns `{acquired: true}`, or the current holder and its expiry (epoch seconds).
 * @throws the SDK's errors other than ConditionalCheckFailedException; TransientError when the lease keeps changing
 *   hands while this execution tries for it (the state machine retries).
 *
 * @example
 * ```ts
 * const lease = await acquireLease('444455556666', executionArn, 18300);
 * if (!lease.acquired) console.log(`held by ${lease.holder} until ${lease.expiresAt}`);
 * ```
 */
export async function acquireLease(accountId: string, holder: string, seconds: number): Promise<LeaseOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    const now = nowSeconds();
    try {
      await documents.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { accountId },
          UpdateExpression: 'SET leaseHolder = :me, leaseExpiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(leaseHolder) OR leaseExpiresAt < :now OR leaseHolder = :me',
          ExpressionAttributeValues: { ':me': holder, ':expires': now + seconds, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The failed condition returns the item as it stands (ReturnValuesOnConditionCheckFailure, in DynamoDB's
      // attribute-value form). An implementation without it (dynalite) gets a consistent read instead; a lease
      // released in between is tried for again, a bounded number of times.
      const returned = error.Item?.leaseHolder?.S;
      if (returned !== undefined) return { acquired: false, holder: returned, expiresAt: Number(error.Item?.leaseExpiresAt?.N ?? 0) };
      const record = await getAccountRecord(accountId);
      if (record?.leaseHolder !== undefined) return { acquired: false, holder: record.leaseHolder, expiresAt: record.leaseExpiresAt ?? 0 };
      if (attempt >= MAX_LEASE_ATTEMPTS) {
        throw new TransientError(`the lease of account ${accountId} changed hands during ${attempt} attempts to take it`, { accountId });
      }
    }
  }
}

/**
 * Takes the account's lease over from a holder known to have ended: an execution stopped outright or timed out, whose
 * lease would otherwise last until it expires (hours). One conditional write, made only while `endedHolder` still
 * holds the lease, so of two executions taking it over at once only one wins.
 *
 * @param accountId - the member account (12 digits).
 * @param holder - the execution taking the lease (its ARN).
 * @param endedHolder - the execution that holds it and has ended (its ARN, as {@link acquireLease} returned it).
 * @param seconds - how long this holder keeps it, seconds from now.
 * @returns `true` when `holder` now holds the lease, `false` when someone else took or released it meanwhile.
 * @throws the SDK's errors when DynamoDB fails.
 * @example
 * ```ts
 * const lease = await acquireLease('444455556666', executionArn, 18300);
 * if (!lease.acquired && (await executionHasEnded(lease.holder))) await takeOverLease('444455556666', executionArn, lease.holder, 18300);
 * ```
 */
export function takeOverLease(accountId: string, holder: string, endedHolder: string, seconds: number): Promise<boolean> {
  return updatedUnlessConditionFails({
    TableName: tableName(),
    Key: { accountId },
    UpdateExpression: 'SET leaseHolder = :me, leaseExpiresAt = :expires',
    ConditionExpression: 'leaseHolder = :ended',
    ExpressionAttributeValues: { ':me': holder, ':ended': endedHolder, ':expires': nowSeconds() + seconds },
  });
}

/**
 * Ends the account's lease when `holder` holds it; does nothing when another execution holds it or nobody does.
 *
 * @param accountId - the member account, 12 digits.
 * @param holder - the execution ARN that took the lease.
 * @throws the SDK's errors other than ConditionalCheckFailedException.
 */
export async function releaseLease(accountId: string, holder: string): Promise<void> {
  await updatedUnlessConditionFails({
    TableName: tableName(),
    Key: { accountId },
    UpdateExpression: 'REMOVE leaseHolder, leaseExpiresAt',
    ConditionExpression: 'leaseHolder = :me',
    ExpressionAttributeValues: { ':me': holder },
  });
}

/**
 * One conditional UpdateItem of the lease.
 *
 * @returns `true` when it was made, `false` when its condition did not hold (ConditionalCheckFailedException).
 * @throws the SDK's other errors.
 */
async function updatedUnlessConditionFails(update: UpdateCommandInput): Promise<boolean> {
  try {
    await documents.send(new UpdateCommand(update));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Every record of the table, page by page (Scan; one page is at most 1 MB, DynamoDB API reference, Scan).
 *
 * @throws the SDK's errors.
 */
export async function* listAccountRecords(): AsyncIterable<AccountRecord> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: tableName(), ExclusiveStartKey }));
    for (const item of page.Items ?? []) yield item as AccountRecord;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}
