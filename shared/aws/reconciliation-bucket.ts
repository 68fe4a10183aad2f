/**
 * The reconciliation bucket (`ReconciliationBucket`): plans, the Distributed Map's results and reports, as JSON
 * objects. One module-level S3 client in the function's own region, like the other AWS clients.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

let client: S3Client | undefined;

function s3(): S3Client {
  // The function's region (AWS_REGION, set by Lambda): the bucket is in the stack's region.
  client ??= new S3Client({});
  return client;
}

/**
 * The text of an object.
 *
 * @throws the SDK's NoSuchKey / NoSuchBucket / AccessDenied unchanged.
 */
export async function getObjectText(bucket: string, key: string): Promise<string> {
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/**
 * Writes a JSON object (encrypted at rest by the bucket's default encryption).
 *
 * @throws the SDK's errors unchanged.
 */
export async function putJsonObject(bucket: string, key: string, body: string): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
}
