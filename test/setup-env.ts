// The functions' logs are for CloudWatch; tests assert on results, so keep the test output readable.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
// Tests never reach AWS: a client a test forgot to mock must fail locally, not look for credentials on the network.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_REGION ??= 'us-east-1';
delete process.env.AWS_PROFILE;
