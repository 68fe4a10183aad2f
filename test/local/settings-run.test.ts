/**
 * A local run with a settings document: the registration carries the account's tags and regions from it, and the
 * role holds the resource-collection permissions exactly where extended collection is on.
 */
import { main } from '../../local/cli';
import { runLocally } from '../../local/run';
import { AwsSandbox } from '../../local/sandbox';
import { DEFAULT_MAX_ATTACHED_POLICIES } from '../../shared/onboarding/integration-policies';
import { parseSettingsDocument } from '../../shared/settings/document';
import { ROOT, sampleEvent } from '../helpers';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MEMBER = '444455556666';
const PROD = 'ou-ab12-11111111';

function sandboxInProduction(): AwsSandbox {
  const sandbox = new AwsSandbox({ managementAccountId: '111122223333', partition: 'aws', propagationSeconds: 10 });
  sandbox.createMemberAccount(MEMBER, {
    name: 'payments-prod',
    accessRoleNames: ['OrganizationAccountAccessRole'],
    trustedAccountId: '111122223333',
  });
  sandbox.applyOrganization({
    rootId: 'r-ab12',
    organizationalUnits: [{ id: PROD, name: 'Production', parentId: 'r-ab12' }],
    accounts: [{ accountId: MEMBER, parentId: PROD }],
  });
  return sandbox;
}

const document = (extended: boolean) =>
  parseSettingsDocument({
    defaults: {
      account_tags: ['account:{account_id}'],
      aws_regions: { include_only: ['eu-west-1'] },
      resources_config: { extended_collection: false },
    },
    organizationalUnits: {
      [PROD]: {
        account_tags: ['env:prod', 'ou:{ou_name}', 'name:{account_name}'],
        aws_regions: { include_all: true },
        resources_config: { extended_collection: extended, cloud_security_posture_management_collection: extended },
      },
    },
  });

const integrationParts = (summary: Awaited<ReturnType<typeof runLocally>>) =>
  summary.sandbox.accounts[MEMBER].roles.find((role) => role.roleName === 'DatadogIntegrationRole')?.attachedPolicyArns ?? [];

describe('Local run with a settings document', () => {
  it("registers the account with its OU's tags and regions, and the role follows extended collection on, then off", async () => {
    const sandbox = sandboxInProduction();

    const on = await runLocally({ input: sampleEvent('console-replay.json'), sandbox, settingsDocument: document(true) });
    const off = await runLocally({
      input: sampleEvent('console-replay.json'),
      sandbox,
      datadogAccounts: on.datadogAccounts,
      settingsDocument: document(false),
    });

    expect(on.outcome).toBe('onboarded');
    expect(on.datadogAccounts[0].attributes).toMatchObject({
      account_tags: ['env:prod', 'ou:Production', 'name:payments-prod'],
      aws_regions: { include_all: true },
      resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
    });
    // Standard + resource collection in 5 parts, with SecurityAudit: within IAM's default of 10 per role.
    expect(integrationParts(on)).toHaveLength(6);
    expect(integrationParts(on).length).toBeLessThanOrEqual(DEFAULT_MAX_ATTACHED_POLICIES);

    expect(off.outcome).toBe('onboarded');
    expect(off.datadogAccounts[0].attributes.resources_config).toMatchObject({ extended_collection: false });
    // The resource-collection parts are detached and deleted: the standard policy and SecurityAudit remain.
    expect(integrationParts(off).sort()).toEqual([
      `arn:aws:iam::${MEMBER}:policy/DatadogIntegrationPolicy`,
      'arn:aws:iam::aws:policy/SecurityAudit',
    ]);
    expect(off.sandbox.accounts[MEMBER].policies.map((policy) => policy.policyName)).toEqual(['DatadogIntegrationPolicy']);
  });
});

describe('npm start -- --settings FILE', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'settings-'));
  const run = async (settings: string) => {
    const file = path.join(directory, `settings-${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(file, settings);
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['events/console-replay.json', '--settings', file, '--json'], {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      cwd: ROOT,
      env: {},
    });
    return { code, out: out.join(''), err: err.join('') };
  };

  it('applies a YAML document: the registration in the summary shows its tags and regions', async () => {
    const { code, out } = await run(
      [
        'defaults:',
        '  account_tags: ["team:platform", "account:{account_id}"]',
        '  aws_regions: { include_only: [us-east-1, eu-west-1] }',
        '',
      ].join('\n'),
    );
    expect(code).toBe(0);
    const summary = JSON.parse(out) as { datadogAccounts: { attributes: Record<string, unknown> }[] };
    expect(summary.datadogAccounts[0].attributes).toMatchObject({
      account_tags: ['team:platform', `account:${MEMBER}`],
      aws_regions: { include_only: ['us-east-1', 'eu-west-1'] },
    });
  });

  it('refuses a bad document in one line naming the path, exit 2, before running anything', async () => {
    const { code, out, err } = await run(
      `organizationalUnits:\n  ${PROD}:\n    metrics_config: { namespace_filters: { include_only: [EC2] } }\n`,
    );
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(`settings organizationalUnits.${PROD}.metrics_config.namespace_filters.include_only[0]: unknown namespace "EC2"`);
  });

  it('refuses CSPM without extended collection and text that is not YAML, exit 2', async () => {
    const cspm = await run(
      'defaults:\n  resources_config: { extended_collection: false, cloud_security_posture_management_collection: true }\n',
    );
    expect(cspm.code).toBe(2);
    expect(cspm.err).toContain(
      'settings defaults.resources_config.cloud_security_posture_management_collection: needs resources_config.extended_collection: true',
    );
    const broken = await run('defaults: [unclosed\n');
    expect(broken.code).toBe(2);
    expect(broken.err).toContain('not valid YAML or JSON');
  });
});
