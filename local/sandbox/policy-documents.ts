/**
 * Policy documents as IAM, STS and Secrets Manager accept and return them: JSON checks, grammar checks (with
 * `@cloud-copilot/iam-policy`, the validator `@cloud-copilot/iam-simulate` itself uses), size quotas and IAM's
 * URL encoding.
 */
import { validateIdentityPolicy, validateResourcePolicy, validateSessionPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';

/** Which grammar a document must follow. */
export type PolicyKind = 'trust' | 'identity' | 'resource' | 'session';

/**
 * Size quotas, in characters with white space not counted (IAM User Guide, "IAM and AWS STS quotas" →
 * "IAM and STS character limits": "IAM doesn't count white space when calculating the size of a policy").
 */
export const POLICY_SIZE_LIMITS = {
  /** Role trust policy: 2,048 by default (adjustable to 4,096; the sandbox models the default). */
  trust: 2048,
  /** Customer managed policy: 6,144. */
  identity: 6144,
  /** Inline session policy passed to AssumeRole: 2,048 (STS API reference, AssumeRole `Policy`). */
  session: 2048,
  /** Secrets Manager resource policy: 20,480 (Secrets Manager User Guide, "Quotas"). */
  resource: 20480,
} as const satisfies Record<PolicyKind, number>;

/** The outcome of {@link checkPolicyDocument}. */
export type PolicyCheck =
  { ok: true; document: Record<string, unknown> } | { ok: false; problem: 'malformed' | 'too-large'; message: string };

/** Size of a policy as IAM counts it: every character except white space. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}

/**
 * IAM's wire form of a document in GetRole / GetPolicyVersion responses: URL-encoded JSON (IAM API reference,
 * Role.AssumeRolePolicyDocument and PolicyVersion.Document: "The policy document returned in this structure is
 * URL-encoded compliant with RFC 3986").
 */
export function urlEncodeDocument(text: string): string {
  return encodeURIComponent(text);
}

/** Messages IAM uses for the common grammar errors (as seen in IAM's MalformedPolicyDocument responses). */
function iamMessage(kind: PolicyKind, validatorMessage: string): string {
  if (/Resource is not allowed in a trust policy/.test(validatorMessage)) return 'Has prohibited field Resource';
  if (/Principal or NotPrincipal is required/.test(validatorMessage)) return 'Missing required field Principal';
  if (kind === 'identity' && /Principal is not allowed/.test(validatorMessage)) {
    return 'Policy document should not specify a principal.';
  }
  return `Syntax errors in policy. ${validatorMessage}`;
}

const VALIDATORS: Record<PolicyKind, (policy: unknown) => { message: string; path: string }[]> = {
  trust: validateTrustPolicy,
  identity: validateIdentityPolicy,
  resource: validateResourcePolicy,
  session: validateSessionPolicy,
};

/**
 * Checks a document the way the service would on input.
 *
 * @param text - the document as submitted (JSON text).
 * @param kind - the grammar to check against; also selects the size quota in {@link POLICY_SIZE_LIMITS}.
 * @returns the parsed document, or why it is refused: `malformed` (not JSON, or bad grammar) or `too-large`
 *   (over the quota). The caller turns that into its service's error: IAM answers `MalformedPolicyDocument` and
 *   `LimitExceeded` ("Cannot exceed quota for PolicySize: 6144"); STS `MalformedPolicyDocument` and
 *   `PackedPolicyTooLarge`.
 */
export function checkPolicyDocument(text: string, kind: PolicyKind): PolicyCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'malformed', message: 'This policy contains invalid Json' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, problem: 'malformed', message: 'This policy contains invalid Json' };
  }
  const problems = VALIDATORS[kind](parsed);
  if (problems.length > 0) {
    return { ok: false, problem: 'malformed', message: iamMessage(kind, problems[0].message) };
  }
  const limit = POLICY_SIZE_LIMITS[kind];
  const size = policySize(text);
  if (size > limit) return { ok: false, problem: 'too-large', message: `size ${size} exceeds ${limit}` };
  return { ok: true, document: parsed as Record<string, unknown> };
}

/**
 * The principal ARNs named in a policy's `Principal.AWS` elements (for checking that they exist, as IAM does
 * when it accepts a trust policy).
 */
export function awsPrincipalsOf(document: Record<string, unknown>): string[] {
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  const out: string[] = [];
  for (const statement of statements) {
    const principal = (statement as { Principal?: unknown } | undefined)?.Principal;
    if (principal && typeof principal === 'object' && 'AWS' in principal) {
      const aws = principal.AWS;
      for (const value of Array.isArray(aws) ? aws : [aws]) if (typeof value === 'string') out.push(value);
    }
  }
  return out;
}
