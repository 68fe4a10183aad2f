/**
 * Identifiers shaped like the ones AWS hands out, so code that checks their form (length, prefix) behaves as it
 * would against AWS. Prefixes follow the IAM User Guide, "IAM identifiers" → "Understanding unique ID prefixes":
 * `AKIA` access key, `ASIA` temporary (STS) access key, `AROA` role, `AIDA` user, `ANPA` managed policy.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** The alphabet of IAM unique ids and access key ids (upper-case base32). */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomFrom(alphabet: string, length: number): string {
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** A new 20-character access key id: `ASIA…` for STS session credentials, `AKIA…` for an IAM user's key. */
export function newAccessKeyId(kind: 'session' | 'user'): string {
  return (kind === 'session' ? 'ASIA' : 'AKIA') + randomFrom(BASE32, 16);
}

/** A new secret access key: 40 random characters from the base64 alphabet, like AWS's. */
export function newSecretAccessKey(): string {
  return randomFrom(`${ALPHANUMERIC}+/`, 40);
}

/** A new session token: an opaque base64 string (real ones are several hundred characters). */
export function newSessionToken(): string {
  return randomBytes(192).toString('base64');
}

/** A new IAM unique id: the prefix followed by 17 base32 characters (21 in all). */
export function newUniqueId(prefix: 'AROA' | 'AIDA' | 'ANPA'): string {
  return prefix + randomFrom(BASE32, 17);
}

/**
 * The six random characters Secrets Manager appends to a secret's name in its ARN
 * (Secrets Manager User Guide, "Secret ARNs": `…:secret:<name>-<6 random characters>`).
 */
export function newSecretSuffix(): string {
  return randomFrom(ALPHANUMERIC, 6);
}

/** A new organization id: `o-` followed by 10 lower-case letters or digits (Organizations API reference, Organization.Id). */
export function newOrganizationId(): string {
  return `o-${randomFrom('abcdefghijklmnopqrstuvwxyz0123456789', 10)}`;
}

/** A new request id or secret version id (both are UUIDs in AWS). */
export function newUuid(): string {
  return randomUUID();
}

/** A stand-in unique id for a principal the sandbox does not know, derived from its ARN so repeated calls agree. */
export function stableIdFor(principalArn: string, prefix: 'AROA' | 'AIDA'): string {
  let hash = 0n;
  for (const char of principalArn) hash = (hash * 131n + BigInt(char.codePointAt(0)!)) % (1n << 85n);
  let out = '';
  for (let i = 0; i < 17; i += 1) {
    out += BASE32[Number(hash % 32n)];
    hash /= 32n;
  }
  return prefix + out;
}
