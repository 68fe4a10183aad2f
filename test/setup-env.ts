// The functions' logs are for CloudWatch; tests assert on results, so keep the test output readable.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
