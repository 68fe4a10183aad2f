/**
 * Import first, before any module of the project: the functions' logger (shared/logger.ts) takes its level from
 * `POWERTOOLS_LOG_LEVEL` when it is created, and its middy middleware puts that level back on every warm invocation,
 * so `logger.setLogLevel()` alone would not last past the first handler call. test/setup-env.ts silences the logs
 * for the other tests; these tests need every log line the functions write, to scan it.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

/** Silences the logs again (afterAll), for whatever runs next in this worker. */
export function restoreQuietLogs(): void {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
}
