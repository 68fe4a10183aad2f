/**
 * The errors the AWS SDK itself would raise, so code under test sees the same classes, `name`s and fields.
 *
 * As SDK v3 deserialises them: a modeled error is its own class (`NoSuchEntityException`), an unmodeled one
 * (`AccessDenied`, `ValidationError`…) the service's base exception named by the code. The AWS Query services
 * (IAM, STS) add `Type: 'Sender'`, `Code` and `Error: {Type, Code, Message}`; the AWS JSON 1.1 services
 * (Organizations, Secrets Manager) add `__type`; S3 (REST-XML) adds `Code`.
 */
import * as iam from '@aws-sdk/client-iam';
import * as organizations from '@aws-sdk/client-organizations';
import * as s3 from '@aws-sdk/client-s3';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as sts from '@aws-sdk/client-sts';
import type { ServiceName } from './state';
import { newUuid } from './ids';

type ExceptionClass = new (options: {
  message: string;
  name?: string;
  $fault?: 'client';
  $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
}) => Error;

/**
 * Each service's SDK, base exception and protocol, the codes its SDK models as classes (named `<Code>Exception` in
 * the Query services, `<Code>` in the others) and the unmodeled codes the sandbox raises.
 */
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

/** The error codes the sandbox raises for a service. */
type ErrorCode<S extends ServiceName> = (typeof SERVICES)[S]['modeled'][number] | (typeof SERVICES)[S]['unmodeled'][number];

/**
 * HTTP status of the codes AWS does not answer with 400 (IAM and STS API references, "Common Errors"; S3 API
 * reference, "Error responses"). The JSON services answer 400.
 */
const STATUS: Record<string, number> = Object.fromEntries(
  Object.entries({
    404: ['NoSuchEntity', 'NoSuchKey', 'NoSuchBucket'],
    409: ['EntityAlreadyExists', 'DeleteConflict', 'LimitExceeded'],
    403: ['AccessDenied', 'InvalidClientTokenId', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'],
  }).flatMap(([status, codes]) => codes.map((code) => [code, Number(status)])),
);

function awsError(service: ServiceName, code: string, message: string): Error {
  const { sdk, base, protocol, modeled } = SERVICES[service];
  const $metadata = { httpStatusCode: STATUS[code] ?? 400, requestId: newUuid(), attempts: 1, totalRetryDelay: 0 };
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
  return awsError(
    service,
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

/** An IAM error as the SDK raises it (`NoSuchEntity` → `NoSuchEntityException`). Never put secret values in `message`. */
export function iamError(code: ErrorCode<'iam'>, message: string): iam.IAMServiceException {
  return awsError('iam', code, message) as iam.IAMServiceException;
}

/** An STS error as the SDK raises it. */
export function stsError(code: ErrorCode<'sts'>, message: string): sts.STSServiceException {
  return awsError('sts', code, message) as sts.STSServiceException;
}

/** An Organizations error as the SDK raises it. */
export function organizationsError(code: ErrorCode<'organizations'>, message: string): organizations.OrganizationsServiceException {
  return awsError('organizations', code, message) as organizations.OrganizationsServiceException;
}

/** A Secrets Manager error as the SDK raises it. Never put secret values in `message`. */
export function secretsManagerError(code: ErrorCode<'secretsmanager'>, message: string): secretsManager.SecretsManagerServiceException {
  return awsError('secretsmanager', code, message) as secretsManager.SecretsManagerServiceException;
}

/** An S3 error as the SDK raises it. */
export function s3Error(code: ErrorCode<'s3'>, message: string): s3.S3ServiceException {
  return awsError('s3', code, message) as s3.S3ServiceException;
}

/**
 * The "not authorised" error of each service: IAM, STS and S3 `AccessDenied` (403), Organizations' modeled
 * `AccessDeniedException`, Secrets Manager's unmodeled one.
 */
export function accessDenied(service: ServiceName, message: string): Error {
  return awsError(service, SERVICES[service].protocol === 'json' ? 'AccessDeniedException' : 'AccessDenied', message);
}

/** What is wrong with the credentials a call was signed with. */
export type CredentialProblem = 'invalid' | 'expired' | 'signature';

/**
 * The code of each credential problem per protocol, and its message (IAM, Secrets Manager and S3 API references,
 * "Common Errors" / "Error responses"): S3 names an unknown key `InvalidAccessKeyId`.
 */
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

/**
 * The error AWS returns for bad credentials, before any authorisation: an unknown or inactive key, an expired
 * session, a secret key that does not match.
 */
export function credentialError(service: ServiceName, problem: CredentialProblem): Error {
  const { protocol } = SERVICES[service];
  const { message, [protocol]: code } = CREDENTIAL_ERRORS[problem];
  const queryHint = problem === 'signature' && protocol === 'query' ? ' Check your AWS Secret Access Key and signing method.' : '';
  return awsError(service, code, message + queryHint);
}

/**
 * Misuse of the sandbox itself (a call outside `asPrincipal` with unknown credentials, an account that was never
 * added…). Not an AWS error: it points at the test's setup.
 */
export class SandboxSetupError extends Error {
  override readonly name = 'SandboxSetupError';
}
