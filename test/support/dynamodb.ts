/**
 * Tests that use the accounts table: the process's local DynamoDB (dynalite, `local/dynamodb.ts`, shared with the
 * local runner) and a table of the template's definition with a name of its own per suite.
 */
import { createLocalAccountsTable, tableItems } from '../../local/dynamodb';
import { loadTemplate } from '../../local/template';

/**
 * Before the suite's tests: starts the server (once per process), creates a table and points `ACCOUNTS_TABLE_NAME`
 * at it; gives the SDK placeholder credentials when there are none (dynalite checks no signature).
 *
 * @returns the table's name and its items, once `beforeAll` has run.
 */
export function useAccountsTable(): { tableName: () => string; items: () => Promise<Record<string, unknown>[]> } {
  let name: string | undefined;
  beforeAll(async () => {
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
