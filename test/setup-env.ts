// The functions' logs are for CloudWatch; tests assert on results, so keep the test output readable.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
// Tests never reach AWS: a client a test forgot to mock must fail locally, not look for credentials on the network.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_REGION ??= 'us-east-1';
delete process.env.AWS_PROFILE;
// What template.yaml gives every function that reaches member accounts (the stack's account; the management account
// is not onboarded by default); tests of other settings set their own.
process.env.MANAGEMENT_ACCOUNT_ID ??= '111122223333';
process.env.ONBOARD_MANAGEMENT_ACCOUNT ??= 'false';
// Steps called directly flush no metrics, but a dimensioned one prints at once: keep the test output readable.
// Local runs enable them for their functions (local/deployment.ts) and capture them (local/functions.ts).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
