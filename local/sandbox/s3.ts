/**
 * The simulated S3 API, the operations the product and the local Step Functions call: GetObject, PutObject,
 * HeadObject, ListObjectsV2 (Amazon S3 API reference). Objects are UTF-8 text (the product stores JSON).
 *
 * Buckets are seeded with {@link AwsSandbox.putBucket} (the local deployment creates the template's bucket); a
 * missing bucket answers `NoSuchBucket`, a missing key `NoSuchKey`, as S3 does for a caller allowed to list.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { arn, type Partition } from '../../shared/partitions';
import { s3Error } from './errors';
import type { CallContext, Operation } from './operations';
import { operation, paginate, requireAllowed } from './operations';
import type { BucketState } from './state';
import { getEntry, setEntry } from './state';

/** `arn:<p>:s3:::<bucket>[/<key>]`: S3 ARNs have no region and no account (S3 User Guide, "Resource ARNs"). */
export function s3Arn(partition: Partition, bucket: string, key?: string): string {
  return arn(partition, 's3', '', '', key === undefined ? bucket : `${bucket}/${key}`);
}

function bucketOf(call: CallContext, name: string | undefined): BucketState {
  const bucket = getEntry(call.core.state.buckets, name ?? '');
  if (!bucket) throw s3Error('NoSuchBucket', 'The specified bucket does not exist');
  return bucket;
}

/**
 * A GetObject body as the SDK hands it out: a Node stream with the SDK's `transformToString` /
 * `transformToByteArray` / `transformToWebStream` helpers (AWS SDK for JavaScript v3, "sdkStreamMixin").
 */
function sdkBody(text: string): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const stream = Readable.from([bytes]);
  return Object.assign(stream, {
    transformToString: (encoding: BufferEncoding = 'utf8') => Promise.resolve(bytes.toString(encoding)),
    transformToByteArray: () => Promise.resolve(new Uint8Array(bytes)),
    transformToWebStream: () => Readable.toWeb(Readable.from([bytes])),
  });
}

async function bodyText(body: unknown): Promise<string> {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    return Buffer.concat(chunks).toString('utf8');
  }
  throw s3Error('InvalidArgument', 'Body must be a string, a Uint8Array or a readable stream');
}

/** The S3 operations. */
export const s3Operations: Operation[] = [
  operation('GetObject', GetObjectCommand, async (input, call) => {
    await requireAllowed(call, { resourceArn: s3Arn(call.caller.partition, input.Bucket ?? '', input.Key ?? '') });
    const object = getEntry(bucketOf(call, input.Bucket).objects, input.Key ?? '');
    if (!object) throw s3Error('NoSuchKey', 'The specified key does not exist.');
    return {
      Body: sdkBody(object.body) as never,
      ContentLength: Buffer.byteLength(object.body, 'utf8'),
      ContentType: object.contentType ?? 'binary/octet-stream',
      ETag: object.etag,
      LastModified: new Date(object.lastModifiedMs),
    };
  }),
  operation('HeadObject', HeadObjectCommand, async (input, call) => {
    // HeadObject is authorised as s3:GetObject (S3 API reference, HeadObject "Permissions").
    await requireAllowed(call, { action: 's3:GetObject', resourceArn: s3Arn(call.caller.partition, input.Bucket ?? '', input.Key ?? '') });
    const object = getEntry(bucketOf(call, input.Bucket).objects, input.Key ?? '');
    // A HEAD response has no body: the SDK reports a missing key as NotFound.
    if (!object) throw Object.assign(s3Error('NoSuchKey', 'Not Found'), { name: 'NotFound' });
    return {
      ContentLength: Buffer.byteLength(object.body, 'utf8'),
      ContentType: object.contentType ?? 'binary/octet-stream',
      ETag: object.etag,
      LastModified: new Date(object.lastModifiedMs),
    };
  }),
  operation('PutObject', PutObjectCommand, async (input, call) => {
    await requireAllowed(call, { resourceArn: s3Arn(call.caller.partition, input.Bucket ?? '', input.Key ?? '') });
    const bucket = bucketOf(call, input.Bucket);
    if (!input.Key) throw s3Error('InvalidArgument', 'A key must be given');
    const body = await bodyText(input.Body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    setEntry(bucket.objects, input.Key, {
      body,
      ...(input.ContentType ? { contentType: input.ContentType } : {}),
      etag,
      lastModifiedMs: call.nowMs,
    });
    return { ETag: etag };
  }),
  operation('ListObjectsV2', ListObjectsV2Command, async (input, call) => {
    // Listing is authorised as s3:ListBucket on the bucket (S3 API reference, ListObjectsV2 "Permissions").
    await requireAllowed(call, { action: 's3:ListBucket', resourceArn: s3Arn(call.caller.partition, input.Bucket ?? '') });
    const bucket = bucketOf(call, input.Bucket);
    const prefix = input.Prefix ?? '';
    // S3 lists keys in UTF-8 binary order.
    const keys = Object.keys(bucket.objects)
      .filter((key) => key.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const { page, next } = paginate(keys, input.ContinuationToken, input.MaxKeys, 1000, () =>
      s3Error('InvalidArgument', 'The continuation token provided is incorrect'),
    );
    return {
      Name: input.Bucket,
      Prefix: prefix,
      KeyCount: page.length,
      MaxKeys: input.MaxKeys ?? 1000,
      IsTruncated: next !== undefined,
      ...(next !== undefined ? { NextContinuationToken: next } : {}),
      Contents: page.map((key) => {
        const object = bucket.objects[key];
        return { Key: key, Size: Buffer.byteLength(object.body, 'utf8'), ETag: object.etag, LastModified: new Date(object.lastModifiedMs) };
      }),
    };
  }),
];
