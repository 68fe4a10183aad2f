/** Identifiers shaped like AWS's; prefixes: IAM User Guide, "IAM identifiers" → "Understanding unique ID prefixes". */
import { createHash, randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomFrom(alphabet: string, length: number): string {
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** A 20-character access key id: `ASIA…` for STS sessions, `AKIA…` for IAM users. */
export function newAccessKeyId(kind: 'session' | 'user'): string {
  return (kind === 'session' ? 'ASIA' : 'AKIA') + randomFrom(BASE32, 16);
}

/** 40 random base64-alphabet characters, like AWS's. */
export function newSecretAccessKey(): string {
  return randomFrom(`${ALPHANUMERIC}+/`, 40);
}

/** An opaque base64 session token (real ones are several hundred characters). */
export function newSessionToken(): string {
  return randomBytes(192).toString('base64');
}

/** The prefix and 17 base32 characters. */
export function newUniqueId(prefix: 'AROA' | 'AIDA' | 'ANPA'): string {
  return prefix + randomFrom(BASE32, 17);
}

/** The 6 random characters after a secret's name in its ARN (Secrets Manager User Guide, "Secret ARNs"). */
export function newSecretSuffix(): string {
  return randomFrom(ALPHANUMERIC, 6);
}

/** `o-` and 10 lower-case letters or digits (Organizations API reference, Organization.Id). */
export function newOrganizationId(): string {
  return `o-${randomFrom('abcdefghijklmnopqrstuvwxyz0123456789', 10)}`;
}

/** A unique id for a principal the sandbox does not know, derived from its ARN so repeated calls agree. */
export function stableIdFor(principalArn: string, prefix: 'AROA' | 'AIDA'): string {
  const digest = createHash('sha256').update(principalArn).digest();
  return prefix + Array.from(digest.subarray(0, 17), (byte) => BASE32[byte % 32]).join('');
}
