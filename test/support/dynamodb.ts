/** An accounts table for tests: the process's local DynamoDB (`local/dynamodb.ts`), one table of the template's per suite. */
import { createLocalAccountsTable, tableItems } from '../../local/dynamodb';
import { loadTemplate } from '../../local/template';

/** In `beforeAll`, creates the table and points `ACCOUNTS_TABLE_NAME` at it; returns its name and items (after `beforeAll`). */
export function useAccountsTable(): { tableName: () => string; items: () => Promise<Record<string, unknown>[]> } {
  let name: string | undefined;
  beforeAll(async () => {
    // dynalite checks no signature, but the SDK needs some credentials.
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIALOCALTESTS';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local-tests-placeholder';
    name = await createLocalAccountsTable(loadTemplate(), 'tests');
    process.env.ACCOUNTS_TABLE_NAME = name;
  });
  const tableName = () => {
    if (name === undefined) throw new Error('useAccountsTable: the table is created in beforeAll');
    return name;
  };
  return { tableName, items: () => tableItems(tableName()) };
}
