/**
 * Building the errors the AWS SDK itself would raise, so code under test sees the same classes, `name`s and fields.
 *
 * The shapes mirror what SDK v3 deserialises from a real error response:
 * - IAM and STS speak the AWS Query protocol: a modeled error is its own class (`NoSuchEntityException`, `name`
 *   `'NoSuchEntityException'`) and carries `Code: 'NoSuchEntity'`, `Type: 'Sender'` and `Error: {Type, Code, Message}`;
 *   an unmodeled one (`AccessDenied`, `ValidationError`, `InvalidClientTokenId`…) is the service's base exception
 *   with `name` set to the code.
 * - Organizations and Secrets Manager speak AWS JSON 1.1: the error carries `__type`; unmodeled codes
 *   (`AccessDeniedException` in Secrets Manager, `UnrecognizedClientException`) use the base exception.
 */
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  IAMServiceException,
  InvalidInputException as IamInvalidInputException,
  LimitExceededException as IamLimitExceededException,
  MalformedPolicyDocumentException as IamMalformedPolicyDocumentException,
  NoSuchEntityException,
  UnmodifiableEntityException,
} from '@aws-sdk/client-iam';
import {
  AccessDeniedException as OrganizationsAccessDeniedException,
  AccountNotFoundException,
  AWSOrganizationsNotInUseException,
  ChildNotFoundException,
  CreateAccountStatusNotFoundException,
  InvalidInputException as OrganizationsInvalidInputException,
  ParentNotFoundException,
  OrganizationsServiceException,
} from '@aws-sdk/client-organizations';
import {
  InvalidNextTokenException,
  InvalidParameterException,
  InvalidRequestException,
  LimitExceededException as SecretsLimitExceededException,
  MalformedPolicyDocumentException as SecretsMalformedPolicyDocumentException,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import {
  MalformedPolicyDocumentException as StsMalformedPolicyDocumentException,
  PackedPolicyTooLargeException,
  STSServiceException,
} from '@aws-sdk/client-sts';
import { NoSuchBucket, NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import type { ServiceName } from './state';
import { newUuid } from './ids';

/** Options every SDK exception constructor accepts. */
interface ExceptionOptions {
  message: string;
  name?: string;
  $fault?: 'client' | 'server';
  $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
}
type ExceptionClass = new (options: ExceptionOptions) => Error;

const IAM_MODELED = {
  NoSuchEntity: NoSuchEntityException,
  EntityAlreadyExists: EntityAlreadyExistsException,
  MalformedPolicyDocument: IamMalformedPolicyDocumentException,
  DeleteConflict: DeleteConflictException,
  LimitExceeded: IamLimitExceededException,
  InvalidInput: IamInvalidInputException,
  UnmodifiableEntity: UnmodifiableEntityException,
} as const;

const STS_MODELED = {
  MalformedPolicyDocument: StsMalformedPolicyDocumentException,
  PackedPolicyTooLarge: PackedPolicyTooLargeException,
} as const;

const ORGANIZATIONS_MODELED = {
  AccessDeniedException: OrganizationsAccessDeniedException,
  AccountNotFoundException,
  AWSOrganizationsNotInUseException,
  ChildNotFoundException,
  CreateAccountStatusNotFoundException,
  InvalidInputException: OrganizationsInvalidInputException,
  ParentNotFoundException,
} as const;

const SECRETS_MANAGER_MODELED = {
  ResourceNotFoundException,
  ResourceExistsException,
  InvalidRequestException,
  InvalidParameterException,
  InvalidNextTokenException,
  MalformedPolicyDocumentException: SecretsMalformedPolicyDocumentException,
  LimitExceededException: SecretsLimitExceededException,
} as const;

/** Error codes IAM returns that the SDK does not model as classes. */
type QueryUnmodeled = 'AccessDenied' | 'ValidationError' | 'InvalidClientTokenId' | 'SignatureDoesNotMatch' | 'ExpiredToken';
/** Error codes AWS JSON services return that the SDK does not model as classes. */
type JsonUnmodeled = 'UnrecognizedClientException' | 'InvalidSignatureException' | 'ExpiredTokenException';

/** IAM error codes the sandbox raises. */
export type IamErrorCode = keyof typeof IAM_MODELED | QueryUnmodeled;
/** STS error codes the sandbox raises. */
export type StsErrorCode = keyof typeof STS_MODELED | QueryUnmodeled;
/** Organizations error codes the sandbox raises. */
export type OrganizationsErrorCode = keyof typeof ORGANIZATIONS_MODELED | JsonUnmodeled;
/** Secrets Manager error codes the sandbox raises (`AccessDeniedException` is not modeled by its SDK). */
export type SecretsManagerErrorCode = keyof typeof SECRETS_MANAGER_MODELED | JsonUnmodeled | 'AccessDeniedException';

/** HTTP status of each code, as AWS returns it (IAM/STS API references, "Common Errors"); JSON services use 400. */
const QUERY_STATUS: Record<string, number> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  AccessDenied: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
};

function metadata(httpStatusCode: number): ExceptionOptions['$metadata'] {
  return { httpStatusCode, requestId: newUuid(), attempts: 1, totalRetryDelay: 0 };
}

function queryError(base: ExceptionClass, modeled: Record<string, unknown>, code: string, message: string): Error {
  const $metadata = metadata(QUERY_STATUS[code] ?? 400);
  const modeledClass = modeled[code] as ExceptionClass | undefined;
  const error = modeledClass ? new modeledClass({ message, $metadata }) : new base({ name: code, $fault: 'client', message, $metadata });
  return Object.assign(error, { Type: 'Sender', Code: code, Error: { Type: 'Sender', Code: code, Message: message } });
}

function jsonError(base: ExceptionClass, modeled: Record<string, unknown>, type: string, message: string): Error {
  const $metadata = metadata(400);
  const modeledClass = modeled[type] as ExceptionClass | undefined;
  const error = modeledClass ? new modeledClass({ message, $metadata }) : new base({ name: type, $fault: 'client', message, $metadata });
  return Object.assign(error, { __type: type });
}

/**
 * An IAM error as the SDK raises it.
 *
 * @param code - the IAM error code (`NoSuchEntity` → `NoSuchEntityException`; `AccessDenied` → `IAMServiceException`
 *   named `AccessDenied`).
 * @param message - the message; never put secret values in it.
 */
export function iamError(code: IamErrorCode, message: string): IAMServiceException {
  return queryError(IAMServiceException as ExceptionClass, IAM_MODELED, code, message) as IAMServiceException;
}

/** An STS error as the SDK raises it (see {@link iamError}). */
export function stsError(code: StsErrorCode, message: string): STSServiceException {
  return queryError(STSServiceException as ExceptionClass, STS_MODELED, code, message) as STSServiceException;
}

/** An Organizations error as the SDK raises it. */
export function organizationsError(code: OrganizationsErrorCode, message: string): OrganizationsServiceException {
  return jsonError(OrganizationsServiceException as ExceptionClass, ORGANIZATIONS_MODELED, code, message) as OrganizationsServiceException;
}

/** A Secrets Manager error as the SDK raises it. Never put secret values in `message`. */
export function secretsManagerError(code: SecretsManagerErrorCode, message: string): SecretsManagerServiceException {
  return jsonError(
    SecretsManagerServiceException as ExceptionClass,
    SECRETS_MANAGER_MODELED,
    code,
    message,
  ) as SecretsManagerServiceException;
}

const S3_MODELED = { NoSuchKey, NoSuchBucket } as const;
/** S3 error codes the sandbox raises (S3 API reference, "Error responses"); the others are not modeled by its SDK. */
export type S3ErrorCode =
  | keyof typeof S3_MODELED
  | 'AccessDenied'
  | 'InvalidAccessKeyId'
  | 'ExpiredToken'
  | 'SignatureDoesNotMatch'
  | 'BucketAlreadyOwnedByYou'
  | 'InvalidArgument';
const S3_STATUS: Record<string, number> = {
  NoSuchKey: 404,
  NoSuchBucket: 404,
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  BucketAlreadyOwnedByYou: 409,
};

/**
 * An S3 error as the SDK raises it (REST-XML: a modeled error is its own class, `NoSuchKey`; others the base
 * `S3ServiceException` named by the code, with `Code`).
 */
export function s3Error(code: S3ErrorCode, message: string): S3ServiceException {
  const $metadata = metadata(S3_STATUS[code] ?? 400);
  const modeledClass = (S3_MODELED as Record<string, unknown>)[code] as ExceptionClass | undefined;
  const error = modeledClass
    ? new modeledClass({ message, $metadata })
    : new (S3ServiceException as unknown as ExceptionClass)({ name: code, $fault: 'client', message, $metadata });
  return Object.assign(error, { Code: code }) as unknown as S3ServiceException;
}

/**
 * The "not authorised" error of each service: IAM/STS `AccessDenied` (403), Organizations' modeled
 * `AccessDeniedException`, Secrets Manager's unmodeled `AccessDeniedException`.
 */
export function accessDenied(service: ServiceName, message: string): Error {
  switch (service) {
    case 'iam':
      return iamError('AccessDenied', message);
    case 'sts':
      return stsError('AccessDenied', message);
    case 'organizations':
      return organizationsError('AccessDeniedException', message);
    case 'secretsmanager':
      return secretsManagerError('AccessDeniedException', message);
    case 's3':
      return s3Error('AccessDenied', message);
  }
}

/** What is wrong with the credentials a call was signed with. */
export type CredentialProblem = 'invalid' | 'expired' | 'signature';

/**
 * The error AWS returns for bad credentials, before any authorisation: an unknown or inactive key
 * (`InvalidClientTokenId` / `UnrecognizedClientException`), an expired session (`ExpiredToken` /
 * `ExpiredTokenException`), a secret key that does not match (`SignatureDoesNotMatch` / `InvalidSignatureException`).
 * (IAM API reference and Secrets Manager API reference, "Common Errors".)
 */
export function credentialError(service: ServiceName, problem: CredentialProblem): Error {
  const query = service === 'iam' || service === 'sts';
  const make = (code: QueryUnmodeled, jsonCode: JsonUnmodeled, message: string) => {
    if (service === 'iam') return iamError(code, message);
    if (service === 'sts') return stsError(code, message);
    if (service === 'organizations') return organizationsError(jsonCode, message);
    // S3 names an unknown key InvalidAccessKeyId (S3 API reference, "Error responses").
    if (service === 's3') return s3Error(code === 'InvalidClientTokenId' ? 'InvalidAccessKeyId' : (code as S3ErrorCode), message);
    return secretsManagerError(jsonCode, message);
  };
  switch (problem) {
    case 'invalid':
      return make('InvalidClientTokenId', 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    case 'expired':
      return make('ExpiredToken', 'ExpiredTokenException', 'The security token included in the request is expired');
    case 'signature':
      return make(
        'SignatureDoesNotMatch',
        'InvalidSignatureException',
        query
          ? 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.'
          : 'The request signature we calculated does not match the signature you provided.',
      );
  }
}

/**
 * Misuse of the sandbox itself (a call outside `asPrincipal` with unknown credentials, an account that was never
 * added…). Not an AWS error: it points at the test's setup.
 */
export class SandboxSetupError extends Error {
  override readonly name = 'SandboxSetupError';
}
