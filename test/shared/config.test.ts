/**
 * shared/config.ts is the one accessor of the environment: every variable declared there once, with its meaning and
 * any default, and read nowhere else.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { loadTemplate, templateFunctions } from '../../local/template';
import { ENV, iamName, pickEnv, readEnv } from '../../shared/config';
import { ROOT } from '../helpers';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

describe('Module: shared/config.ts', () => {
  it('is the only code of the functions that reads process.env', () => {
    // Prepare
    const files = [...sourceFiles(path.join(ROOT, 'functions')), ...sourceFiles(path.join(ROOT, 'shared'))];

    // Act
    const readers = files.filter((file) => /process\.env\b/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(ROOT, file));

    // Assess
    expect(files.length).toBeGreaterThan(20);
    expect(readers).toEqual(['shared/config.ts']);
  });

  it('declares a default only as the Default of the stack parameter template.yaml sets the variable from', () => {
    // Prepare
    const template = loadTemplate();
    const environments = templateFunctions(template).map((fn) => fn.environment);

    // Act
    const checked: string[] = [];
    const mismatches: string[] = [];
    for (const [name, schema] of Object.entries(ENV) as [string, z.ZodType][]) {
      const parsed = schema.safeParse(undefined);
      if (!parsed.success || parsed.data === undefined) continue; // required, or optional without a default
      checked.push(name);
      const sources = environments.map((environment) => environment[name]).filter((value) => value !== undefined);
      if (sources.length === 0) mismatches.push(`${name}: set by no function`);
      for (const source of sources) {
        const parameter = (source as { Ref?: string }).Ref;
        const declared = parameter === undefined ? undefined : template.Parameters[parameter]?.Default;
        // Defaults are strings, numbers or booleans, as the template's parameter defaults are.
        const value = JSON.stringify(parsed.data).replace(/^"(.*)"$/, '$1');
        if (String(declared) !== value)
          mismatches.push(`${name}: default ${value}, template ${JSON.stringify(source)} → ${String(declared)}`);
      }
    }

    // Assess
    expect(checked.sort()).toEqual([
      'ACCESS_KEY_SECRET_PREFIX',
      'CHINA_REGION',
      'DATADOG_EVENTS',
      'GOVCLOUD_REGION',
      'OFFBOARDING_MODE',
      'OFFBOARD_ADOPTED_REGISTRATIONS',
      'PARTITION_CREDENTIALS_SECRET_PREFIX',
    ]);
    expect(mismatches).toEqual([]);
  });

  it('reads the access-key settings typed: reader ARNs as a list, an empty KMS key id as none', () => {
    // Act
    const env = readEnv(pickEnv('ACCESS_KEY_READER_ARNS', 'ACCESS_KEY_KMS_KEY_ID'), {
      ACCESS_KEY_READER_ARNS: 'arn:aws:iam::111122223333:role/a, ,arn:aws:iam::111122223333:role/b',
      ACCESS_KEY_KMS_KEY_ID: '',
    });

    // Assess
    expect(env).toEqual({
      ACCESS_KEY_READER_ARNS: ['arn:aws:iam::111122223333:role/a', 'arn:aws:iam::111122223333:role/b'],
      ACCESS_KEY_KMS_KEY_ID: undefined,
    });
  });

  it('names a missing variable without a default, and fills one with a default', () => {
    // Act
    const missing = () => readEnv(pickEnv('AWS_REGION'), {});
    const missingNumber = () => readEnv(pickEnv('AWS_REGION', 'MAX_VALIDATION_SECONDS'), { AWS_REGION: 'us-east-1' });
    const badNumber = () => readEnv(pickEnv('MAX_VALIDATION_SECONDS'), { MAX_VALIDATION_SECONDS: 'soon' });
    const defaulted = readEnv(pickEnv('GOVCLOUD_REGION', 'PARTITION_CREDENTIALS_SECRET_PREFIX'), {
      PARTITION_CREDENTIALS_SECRET_PREFIX: '',
    });

    // Assess
    expect(missing).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        message: expect.stringMatching(/^environment variable AWS_REGION is not set\. /),
      }),
    );
    expect(missingNumber).toThrow(/^environment variable MAX_VALIDATION_SECONDS is not set\. /);
    expect(badNumber).toThrow(/^environment variable MAX_VALIDATION_SECONDS: .*number/);
    expect(defaulted).toEqual({ GOVCLOUD_REGION: 'us-gov-west-1', PARTITION_CREDENTIALS_SECRET_PREFIX: '' });
  });

  it('checks each variable against the schema its spec gives, whatever spec of the same names came before', () => {
    // Act: AWS_REGION first as ENV gives it, then as any IAM name.
    const asRegion = () => readEnv(pickEnv('AWS_REGION'), { AWS_REGION: 'eu_x' });
    const asIamName = () => readEnv({ AWS_REGION: iamName }, { AWS_REGION: 'eu_x' });

    // Assess
    expect(asRegion).toThrow(/^environment variable AWS_REGION: must be an AWS region code/);
    expect(asIamName()).toEqual({ AWS_REGION: 'eu_x' });
  });
});
