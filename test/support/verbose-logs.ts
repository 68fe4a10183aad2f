/**
 * Import first: the logger takes `POWERTOOLS_LOG_LEVEL` when created and its middleware restores it on every invocation,
 * so `setLogLevel()` would not last. These tests scan every log line the functions write (test/setup-env.ts silences them).
 */
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

/** Silences the logs again (afterAll), for whatever runs next in this worker. */
export function restoreQuietLogs(): void {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
}
