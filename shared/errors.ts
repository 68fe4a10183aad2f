/**
 * The errors of the onboarding functions.
 *
 * An error's `name` is what the state machine's `Retry` and `Catch` match on (the Lambda runtime reports it as the
 * error type), so names are part of the contract with `statemachine/onboarding.asl.json`.
 * Messages name the account, the step and what to fix, and never carry a secret.
 */

/** Where an error happened, for its message. */
export interface ErrorContext {
  /** The member account being onboarded (12 digits), when known. */
  accountId?: string;
  /** The state machine step (state name), e.g. `ProvisionRole`. */
  step?: string;
  /** What an operator should do about it. */
  remedy?: string;
  /** The original error. */
  cause?: unknown;
}

/** Base class: every error this project raises on purpose. */
export class OnboardingError extends Error {
  readonly accountId?: string;
  readonly step?: string;
  readonly remedy?: string;

  constructor(message: string, context: ErrorContext = {}) {
    super(formatMessage(message, context), context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'OnboardingError';
    this.accountId = context.accountId;
    this.step = context.step;
    this.remedy = context.remedy;
  }
}

function formatMessage(message: string, { accountId, step, remedy }: ErrorContext): string {
  const where = [accountId && `account ${accountId}`, step && `step ${step}`].filter(Boolean).join(', ');
  return [where ? `${where}: ${message}` : message, remedy].filter(Boolean).join('. ').replace(/\.\.$/, '.');
}

/** Input (an event, an execution input, a parameter) is malformed; nothing was changed. Not retried. */
export class InvalidInputError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'InvalidInputError';
  }
}

/** A throttling, time-out or server-side failure of AWS or Datadog; the state machine retries with backoff. */
export class TransientError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'TransientError';
  }
}

/** The automation could not assume the member access role in the member account. Not retried. */
export class MemberAccountAccessError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'MemberAccountAccessError';
  }
}

/** An IAM role or policy of the configured name exists but was not created by this tool. Not retried. */
export class ForeignResourceError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'ForeignResourceError';
  }
}

/**
 * The role (or key) is not usable yet, IAM still propagating: not a failure. Its name says the phase of the
 * validation schedule (`RoleNotYetAssumable.Early`, `AccessKeyNotYetUsable.Late`, …), which the validation Task's
 * `Retry` matches to try again after that phase's interval (see `shared/onboarding/validation-schedule.ts`).
 */
export class NotYetUsableError extends OnboardingError {
  /**
   * @param name - the error name the state machine's retrier matches, e.g. `RoleNotYetAssumable.Early`.
   */
  constructor(name: string, message: string, context?: ErrorContext) {
    super(message, context);
    this.name = name;
  }
}

/** The Datadog role did not become assumable within the validation bound. */
export class RoleValidationTimeoutError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'RoleValidationTimeoutError';
  }
}

/** Assuming the Datadog role failed for a reason other than propagation delay. Not retried. */
export class RoleValidationError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'RoleValidationError';
  }
}

/** The Datadog API refused a request (4xx other than 429). Not retried. */
export class DatadogRequestError extends OnboardingError {
  /** HTTP status Datadog answered. */
  readonly status: number;

  constructor(status: number, message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'DatadogRequestError';
    this.status = status;
  }
}

/**
 * Datadog kept answering 429 (rate limited) for longer than a function may wait within one invocation
 * (shared/datadog/http.ts, `MAX_RATE_LIMIT_WAIT_SECONDS`). Retryable: the state machine retries it with a long,
 * jittered backoff, so a throttled account is slowed down, never failed. The message names the limit
 * (`x-ratelimit-name`) and when it resets, never a key.
 */
export class DatadogRateLimitedError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'DatadogRateLimitedError';
  }
}

/** The Datadog API and application keys secret is missing, unreadable or malformed. Not retried. */
export class DatadogKeysError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'DatadogKeysError';
  }
}

/**
 * The member account was created but is not active yet in AWS Organizations (`PENDING_ACTIVATION`): it cannot be
 * assumed into until it is. The state machine retries it with a long backoff.
 */
export class AccountPendingActivationError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'AccountPendingActivationError';
  }
}

/** The member account is suspended, closing or closed in AWS Organizations. Not retried. */
export class AccountNotActiveError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'AccountNotActiveError';
  }
}

/** The credentials for another partition (GovCloud, China) are missing, malformed or not valid there. Not retried. */
export class PartitionCredentialsError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'PartitionCredentialsError';
  }
}

/** A create-account request has not finished yet; the state machine tries again later. */
export class AccountRequestInProgressError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'AccountRequestInProgressError';
  }
}

/**
 * Access-key rotation asked for an account Datadog reaches with role delegation: it holds no access key of the
 * account, so there is nothing to rotate, and the registration must not be switched to a key. Not retried.
 */
export class RotationNotApplicableError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'RotationNotApplicableError';
  }
}

/** The account is not, or no longer, in the organization (Organizations `ChildNotFoundException`). Not retried. */
export class AccountNotInOrganizationError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'AccountNotInOrganizationError';
  }
}

/**
 * A console replay asked for an account the deployment's scope leaves out (ExcludeAccounts, the OU parameters, or
 * the management account without OnboardManagementAccount=true); nothing was changed. Not retried.
 */
export class AccountOutOfScopeError extends OnboardingError {
  constructor(message: string, context?: ErrorContext) {
    super(message, context);
    this.name = 'AccountOutOfScopeError';
  }
}
