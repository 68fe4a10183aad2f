import { stopLocalDynamoDb } from '../local/dynamodb';

// A test file's local DynamoDB server, left listening, would keep the file's modules in memory for the rest of the run.
afterAll(() => stopLocalDynamoDb());
