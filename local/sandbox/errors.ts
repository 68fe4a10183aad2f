/**
 * The errors SDK v3 raises: a modeled code is its own class, an unmodeled one the service's base exception named by
 * the code; Query (IAM, STS) adds `Type`, `Code`, `Error`; JSON 1.1 adds `__type`; S3 (REST-XML) adds `Code`.
 */
import * as iam from '@aws-sdk/client-iam';
import * as organizations from '@aws-sdk/client-organizations';
import * as s3 from '@aws-sdk/client-s3';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as sts from '@aws-sdk/client-sts';
import type { ServiceName } from './state';
import { randomUUID } from 'node:crypto';

type ExceptionClass = new (options: {
  message: string;
  name?: string;
  $fault?: 'client';
  $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
}) => Error;

/** Modeled codes are classes named `<Code>Exception` in the Query services, `<Code>` in the others. */
const SERVICES = {
  iam: {
    sdk: iam,
    base: iam.IAMServiceException,
    protocol: 'query',
    modeled: ['NoSuchEntity', 'EntityAlreadyExists', 'MalformedPolicyDocument', 'DeleteConflict', 'LimitExceeded', 'InvalidInput'],
    unmodeled: ['AccessDenied', 'ValidationError', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken'],
  },
  sts: {
    sdk: sts,
    base: sts.STSServiceException,
    protocol: 'query',
    modeled: [],
    unmodeled: ['AccessDenied', 'ValidationError', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken'],
  },
  organizations: {
    sdk: organizations,
    base: organizations.OrganizationsServiceException,
    protocol: 'json',
    modeled: [
      'AccessDeniedException',
      'AccountNotFoundException',
      'AWSOrganizationsNotInUseException',
      'ChildNotFoundException',
      'CreateAccountStatusNotFoundException',
      'InvalidInputException',
      'ParentNotFoundException',
    ],
    unmodeled: ['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'],
  },
  secretsmanager: {
    sdk: secretsManager,
    base: secretsManager.SecretsManagerServiceException,
    protocol: 'json',
    modeled: [
      'ResourceNotFoundException',
      'ResourceExistsException',
      'InvalidRequestException',
      'InvalidParameterException',
      'MalformedPolicyDocumentException',
      'LimitExceededException',
    ],
    unmodeled: ['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'],
  },
  s3: {
    sdk: s3,
    base: s3.S3ServiceException,
    protocol: 'rest-xml',
    modeled: ['NoSuchKey', 'NoSuchBucket'],
    unmodeled: ['AccessDenied', 'InvalidAccessKeyId', 'ExpiredToken', 'SignatureDoesNotMatch', 'InvalidArgument'],
  },
} as const;

type ErrorCode<S extends ServiceName> = (typeof SERVICES)[S]['modeled'][number] | (typeof SERVICES)[S]['unmodeled'][number];

/** The codes not answered with 400 (IAM and STS API references, "Common Errors"; S3 API reference, "Error responses"). */
const STATUS: Record<string, number> = Object.fromEntries(
  Object.entries({
    404: ['NoSuchEntity', 'NoSuchKey', 'NoSuchBucket'],
    409: ['EntityAlreadyExists', 'DeleteConflict', 'LimitExceeded'],
    403: ['AccessDenied', 'InvalidClientTokenId', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'],
  }).flatMap(([status, codes]) => codes.map((code) => [code, Number(status)])),
);

function awsError(service: ServiceName, code: string, message: string): Error {
  const { sdk, base, protocol, modeled } = SERVICES[service];
  const $metadata = { httpStatusCode: STATUS[code] ?? 400, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
  const modeledClass = (modeled as readonly string[]).includes(code)
    ? (sdk as unknown as Record<string, ExceptionClass>)[protocol === 'query' ? `${code}Exception` : code]
    : undefined;
  const error = modeledClass
    ? new modeledClass({ message, $metadata })
    : new (base as unknown as ExceptionClass)({ name: code, $fault: 'client', message, $metadata });
  if (protocol === 'json') return Object.assign(error, { __type: code });
  if (protocol === 'rest-xml') return Object.assign(error, { Code: code });
  return Object.assign(error, { Type: 'Sender', Code: code, Error: { Type: 'Sender', Code: code, Message: message } });
}

/** The `ValidationError` of IAM and STS, in their wording ("1 validation error detected: …"). */
export function validationError(service: 'iam' | 'sts', field: string, value: string, constraint: string): Error {
  const message = `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`;
  return awsError(service, 'ValidationError', message);
}

function errorOf<S extends ServiceName>(service: S) {
  return (code: ErrorCode<S>, message: string): Error => awsError(service, code, message);
}

/** An IAM error as the SDK raises it (`NoSuchEntity` → `NoSuchEntityException`). Never put secret values in `message`. */
export const iamError = errorOf('iam');
/** An STS error as the SDK raises it. */
export const stsError = errorOf('sts');
/** An Organizations error as the SDK raises it. */
export const organizationsError = errorOf('organizations');
/** A Secrets Manager error as the SDK raises it. Never put secret values in `message`. */
export const secretsManagerError = errorOf('secretsmanager');
/** An S3 error as the SDK raises it. */
export const s3Error = errorOf('s3');

/** The SDK's own base exception class of a service (`IAMServiceException`…). */
export const serviceException = (service: ServiceName) => SERVICES[service].base;

/** The service's "not authorised" error, in AWS's words: `User: <caller> is not authorized to perform: <action> <why>`. */
export function notAuthorized(service: ServiceName, callerArn: string, action: string, why: string): Error {
  const message = `User: ${callerArn} is not authorized to perform: ${action} ${why}`;
  return awsError(service, SERVICES[service].protocol === 'json' ? 'AccessDeniedException' : 'AccessDenied', message);
}

/** What is wrong with the credentials a call was signed with. */
export type CredentialProblem = 'invalid' | 'expired' | 'signature';

/** Each credential problem's code per protocol and message (the API references' "Common Errors" / "Error responses"). */
const CREDENTIAL_ERRORS = {
  invalid: {
    query: 'InvalidClientTokenId',
    json: 'UnrecognizedClientException',
    'rest-xml': 'InvalidAccessKeyId',
    message: 'The security token included in the request is invalid.',
  },
  expired: {
    query: 'ExpiredToken',
    json: 'ExpiredTokenException',
    'rest-xml': 'ExpiredToken',
    message: 'The security token included in the request is expired',
  },
  signature: {
    query: 'SignatureDoesNotMatch',
    json: 'InvalidSignatureException',
    'rest-xml': 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match the signature you provided.',
  },
} as const;

/** The error AWS returns for bad credentials, before any authorisation. */
export function credentialError(service: ServiceName, problem: CredentialProblem): Error {
  const { protocol } = SERVICES[service];
  const { message, [protocol]: code } = CREDENTIAL_ERRORS[problem];
  const queryHint = problem === 'signature' && protocol === 'query' ? ' Check your AWS Secret Access Key and signing method.' : '';
  return awsError(service, code, message + queryHint);
}

/** Misuse of the sandbox itself (not an AWS error): it points at the test's setup. */
export class SandboxSetupError extends Error {
  override readonly name = 'SandboxSetupError';
}
