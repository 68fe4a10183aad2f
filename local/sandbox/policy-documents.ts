/** Policy document checks as IAM and Secrets Manager do them: JSON, grammar (`@cloud-copilot/iam-policy`), size. */
import { loadPolicy, validateIdentityPolicy, validateResourcePolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';

/** Which grammar a document must follow. */
export type PolicyKind = 'trust' | 'identity' | 'resource';

/**
 * Size quotas in characters, white space not counted (IAM User Guide, "IAM and STS character limits"; trust: the
 * default 2,048; Secrets Manager User Guide, "Quotas").
 */
const KINDS: Record<PolicyKind, { validate: (policy: unknown) => { message: string }[]; maxSize: number }> = {
  trust: { validate: validateTrustPolicy, maxSize: 2048 },
  identity: { validate: validateIdentityPolicy, maxSize: 6144 },
  resource: { validate: validateResourcePolicy, maxSize: 20480 },
};

/** IAM's MalformedPolicyDocument messages for the common grammar errors. */
function iamMessage(kind: PolicyKind, validatorMessage: string): string {
  if (/Resource is not allowed in a trust policy/.test(validatorMessage)) return 'Has prohibited field Resource';
  if (/Principal or NotPrincipal is required/.test(validatorMessage)) return 'Missing required field Principal';
  if (kind === 'identity' && /Principal is not allowed/.test(validatorMessage)) return 'Policy document should not specify a principal.';
  return `Syntax errors in policy. ${validatorMessage}`;
}

/** Checks a document as the service would: the parsed document, or why it is refused (the caller picks the error). */
export function checkPolicyDocument(
  text: string,
  kind: PolicyKind,
): { ok: true; document: Record<string, unknown> } | { ok: false; problem: 'malformed' | 'too-large'; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, problem: 'malformed', message: 'This policy contains invalid Json' };
  }
  const problems = KINDS[kind].validate(parsed);
  if (problems.length > 0) return { ok: false, problem: 'malformed', message: iamMessage(kind, problems[0].message) };
  const size = text.replace(/\s/g, '').length;
  if (size > KINDS[kind].maxSize) return { ok: false, problem: 'too-large', message: `size ${size} exceeds ${KINDS[kind].maxSize}` };
  return { ok: true, document: parsed as Record<string, unknown> };
}

/** The ARNs in a policy's `Principal.AWS` elements. */
export function awsPrincipalsOf(document: Record<string, unknown>): string[] {
  const statements = loadPolicy(document).statements();
  return statements
    .flatMap((statement) => (statement.isPrincipalStatement() ? statement.principals() : []))
    .filter((principal) => principal.type() === 'AWS')
    .map((principal) => principal.value());
}
