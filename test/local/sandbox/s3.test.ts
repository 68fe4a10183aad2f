import { GetObjectCommand, NoSuchBucket, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { AwsSandbox } from '../../../local/sandbox';
import { LAMBDA, MANAGEMENT, allow, sandboxPerTest } from './helpers';

const BUCKET = 'reconciliation-111111111111';

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;
  const s3 = new S3Client({ region: 'us-east-1' });
  const asLambda = <T>(fn: () => Promise<T>) => sandbox.asPrincipal(LAMBDA, fn);

  sandboxPerTest((installed) => (sandbox = installed), { prepare: (fresh) => fresh.putBucket(BUCKET) });

  describe('S3', () => {
    it('stores an object and reads it back with the SDK body helpers, counting only the write as mutating', async () => {
      // Act
      const put = await asLambda(() =>
        s3.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: 'plans/a.json', Body: '[{"accountId":"1"}]', ContentType: 'application/json' }),
        ),
      );
      const got = await asLambda(() => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plans/a.json' })));

      // Assert
      expect(await got.Body?.transformToString()).toBe('[{"accountId":"1"}]');
      expect(got.ContentType).toBe('application/json');
      expect(got.ETag).toBe(put.ETag);
      expect(got.ContentLength).toBe(19);
      expect(sandbox.objectText(BUCKET, 'plans/a.json')).toBe('[{"accountId":"1"}]');
      expect(sandbox.mutatingCalls().s3).toBe(1);
    });

    it("answers a missing key and a missing bucket with the SDK's own NoSuchKey and NoSuchBucket", async () => {
      // Act
      const missingKey = asLambda(() => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nothing.json' })));
      const missingBucket = asLambda(() => s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'a', Body: '{}' })));

      // Assert
      await expect(missingKey).rejects.toBeInstanceOf(NoSuchKey);
      await expect(missingBucket).rejects.toBeInstanceOf(NoSuchBucket);
      expect(sandbox.objectKeys('no-such-bucket')).toEqual([]);
    });

    it('refuses a role whose policy does not allow s3:PutObject with AccessDenied, and stores nothing', async () => {
      // Arrange
      const policyArn = sandbox.putPolicy(MANAGEMENT, 'read-only', allow('s3:GetObject'));
      sandbox.putRole(MANAGEMENT, 'Reader', {
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        attachedPolicyArns: [policyArn],
      });
      const reader = `arn:aws:sts::${MANAGEMENT}:assumed-role/Reader/fn`;

      // Act
      const refused = sandbox.asPrincipal(reader, () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x.json', Body: '{}' })));

      // Assert
      await expect(refused).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      await expect(refused).rejects.toBeInstanceOf(S3ServiceException);
      expect(sandbox.objectKeys(BUCKET)).toEqual([]);
    });

    it('keeps buckets and objects across a save and load', async () => {
      // Arrange
      await asLambda(() => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k.json', Body: '{"a":1}' })));

      // Act
      const loaded = AwsSandbox.fromJSON(JSON.parse(JSON.stringify(sandbox.toJSON())));

      // Assert
      expect(loaded.objectText(BUCKET, 'k.json')).toBe('{"a":1}');
    });

    it('refuses an invalid bucket name when seeding', () => {
      expect(() => sandbox.putBucket('Not_A_Bucket')).toThrow('AwsSandbox.putBucket: invalid bucket name Not_A_Bucket');
    });
  });
});
