/** Simulated S3: GetObject and PutObject of UTF-8 text objects in buckets seeded with `AwsSandbox.putBucket`. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { arn } from '../../shared/partitions';
import { s3Error } from './errors';
import type { CallContext, Operation } from './operations';
import { operation, requireAllowed } from './operations';
import { getEntry, setEntry, type SandboxState } from './state';

/** Authorises the call on `arn:<p>:s3:::<bucket>/<key>` and finds the bucket. */
async function authorizedBucket(call: CallContext, input: { Bucket?: string; Key?: string }): Promise<SandboxState['buckets'][string]> {
  await requireAllowed(call, { resourceArn: arn(call.caller.partition, 's3', '', '', `${input.Bucket ?? ''}/${input.Key ?? ''}`) });
  const bucket = getEntry(call.core.state.buckets, input.Bucket ?? '');
  if (!bucket) throw s3Error('NoSuchBucket', 'The specified bucket does not exist');
  return bucket;
}

export const s3Operations: Operation[] = [
  operation('GetObject', GetObjectCommand, async (input, call) => {
    const object = getEntry((await authorizedBucket(call, input)).objects, input.Key ?? '');
    if (!object) throw s3Error('NoSuchKey', 'The specified key does not exist.');
    // As the SDK hands it out: a stream with `transformToString` (AWS SDK for JavaScript v3, "sdkStreamMixin").
    const body = Object.assign(Readable.from([Buffer.from(object.body, 'utf8')]), {
      transformToString: () => Promise.resolve(object.body),
    });
    return {
      Body: body as never,
      ContentLength: Buffer.byteLength(object.body, 'utf8'),
      ContentType: object.contentType ?? 'binary/octet-stream',
      ETag: object.etag,
      LastModified: new Date(object.lastModifiedMs),
    };
  }),
  operation('PutObject', PutObjectCommand, async (input, call) => {
    const bucket = await authorizedBucket(call, input);
    if (!input.Key) throw s3Error('InvalidArgument', 'A key must be given');
    if (typeof input.Body !== 'string') throw s3Error('InvalidArgument', 'The sandbox stores string bodies only');
    const etag = `"${createHash('md5').update(input.Body).digest('hex')}"`;
    setEntry(bucket.objects, input.Key, {
      body: input.Body,
      ...(input.ContentType ? { contentType: input.ContentType } : {}),
      etag,
      lastModifiedMs: call.nowMs,
    });
    return { ETag: etag };
  }),
];
