/**
 * test/support/sam-local.ts: the environment `sam local invoke --env-vars` gives a function, by the SAM CLI's rules.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadEnvVarsFile, samLocalEnvironment } from '../support/sam-local';
import { loadTemplate, templateFunctions, type TemplateFunction } from '../../local/template';

const template = loadTemplate();
const fn = (logicalId: string): TemplateFunction => {
  const found = templateFunctions(template).find((candidate) => candidate.logicalId === logicalId);
  if (!found) throw new Error(`no ${logicalId} in template.yaml`);
  return found;
};

function envVarsFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sam-local-')), 'env.json');
  writeFileSync(file, content);
  return file;
}

describe('Function: samLocalEnvironment', () => {
  it('sets exactly the variables the template declares (Globals included), ignoring others of the file', () => {
    const environment = samLocalEnvironment(template, fn('ValidateRoleFunction'), { ValidateRoleFunction: { NOT_DECLARED: 'x' } });

    expect(Object.keys(environment).sort()).toEqual(Object.keys(fn('ValidateRoleFunction').environment).sort());
    expect(environment).not.toHaveProperty('NOT_DECLARED');
  });

  it('takes the function\'s entry over "Parameters", and "Parameters" over the template', () => {
    const environment = samLocalEnvironment(template, fn('ValidateRoleFunction'), {
      Parameters: { MAX_VALIDATION_SECONDS: '60', GOVCLOUD_REGION: 'us-gov-east-1' },
      ValidateRoleFunction: { MAX_VALIDATION_SECONDS: '120' },
    });

    expect(environment).toMatchObject({ MAX_VALIDATION_SECONDS: '120', GOVCLOUD_REGION: 'us-gov-east-1', CHINA_REGION: 'cn-north-1' });
  });

  it("resolves parameters to their defaults or overrides, and leaves references to the stack's resources empty", () => {
    const environment = samLocalEnvironment(template, fn('ProvisionAccessKeyFunction'), {}, { LogLevel: 'WARN' });

    expect(environment).toMatchObject({
      ACCESS_KEY_ROTATION_DAYS: '90',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      ROTATION_FUNCTION_ARN: '',
      ACCESS_KEY_READER_ARNS: '',
    });
    // A parameter without a default (the keys secret) is empty too.
    expect(samLocalEnvironment(template, fn('RegisterAccountFunction'), {}).DATADOG_KEYS_SECRET_ARN).toBe('');
  });
});

describe('Function: loadEnvVarsFile', () => {
  it('reads {"<LogicalId>": {"NAME": "value"}}', () => {
    expect(loadEnvVarsFile(envVarsFile('{"ValidateRoleFunction": {"MAX_VALIDATION_SECONDS": "60"}}'))).toEqual({
      ValidateRoleFunction: { MAX_VALIDATION_SECONDS: '60' },
    });
  });

  it.each([
    ['not JSON', '{', /not readable as JSON/],
    ['a value that is not a string', '{"ValidateRoleFunction": {"MAX_VALIDATION_SECONDS": 60}}', /must map each function logical id/],
    ['an entry that is not an object', '{"ValidateRoleFunction": "x"}', /must map each function logical id/],
  ])('refuses %s, naming the file', (_, content, message) => {
    const file = envVarsFile(content);
    expect(() => loadEnvVarsFile(file)).toThrow(message);
    expect(() => loadEnvVarsFile(file)).toThrow(file);
  });
});
