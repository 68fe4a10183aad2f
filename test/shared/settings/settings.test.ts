/**
 * The settings document: its merge rules, placeholders, validation (schema and the Datadog client's models), the
 * drift between a registration and the document, the shipped document and its JSON Schema.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkSettingsDocument,
  checkWithDatadogModels,
  registrationSettings,
  toClientAttributes,
} from '../../../shared/settings/datadog-model';
import { parseSettingsDocument } from '../../../shared/settings/document';
import { describeSettingsDrift, settingsDrift, settingsPatch } from '../../../shared/settings/drift';
import { settingsJsonSchema } from '../../../shared/settings/json-schema';
import { collectsResources, desiredSettingsFor, type SettingsAccount } from '../../../shared/settings/merge';
import type { SettingsDocument } from '../../../shared/settings/schema';
import { SHIPPED_SETTINGS, settingsDocument } from '../../../shared/settings/shipped';
import { parseSettingsText } from '../../../local/settings-file';
import { AWS_NAMESPACES_SNAPSHOT } from '../../../shared/datadog/namespaces';
import { RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT, STANDARD_PERMISSIONS_SNAPSHOT } from '../../../shared/datadog/permissions';
import { DEFAULT_MAX_ATTACHED_POLICIES, planIntegrationPolicies } from '../../../shared/onboarding/integration-policies';
import { aTarget, ROOT } from '../../helpers';

const PROD = 'ou-ab12-11111111';
const PAYMENTS = 'ou-ab12-22222222';
const SANDBOX = 'ou-ab12-33333333';

const DOCUMENT: SettingsDocument = parseSettingsDocument({
  defaults: {
    account_tags: ['account:{account_id}', 'ou:{ou_name}'],
    aws_regions: { include_all: true },
    metrics_config: { enabled: true, automute_enabled: true, namespace_filters: { exclude_only: ['AWS/SQS'] } },
    resources_config: { extended_collection: false },
  },
  organizationalUnits: {
    [PROD]: {
      account_tags: ['env:prod', 'ou:{ou_name}'],
      resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
    },
    [PAYMENTS]: { account_tags: ['team:payments', 'name:{account_name}'], metrics_config: { collect_custom_metrics: true } },
    [SANDBOX]: { aws_regions: { include_only: ['eu-west-1'] }, metrics_config: { namespace_filters: { include_only: ['AWS/EC2'] } } },
  },
  accounts: { '210987654321': { metrics_config: { enabled: false } } },
});

const account = (overrides: Partial<SettingsAccount> = {}): SettingsAccount => ({
  accountId: '123456789012',
  partition: 'aws',
  accountName: 'payments-prod',
  ancestorIds: [PAYMENTS, PROD, 'r-ab12'],
  parentName: 'Payments',
  ...overrides,
});

describe('Settings: merge rules', () => {
  it('applies defaults, then OUs from the root down (nearest wins), field by field, arrays replaced', () => {
    const settings = desiredSettingsFor(DOCUMENT, account());
    expect(settings).toEqual({
      // Nearest OU's list replaces the others whole.
      account_tags: ['team:payments', 'name:payments-prod'],
      aws_regions: { include_all: true },
      metrics_config: {
        enabled: true,
        automute_enabled: true,
        collect_custom_metrics: true,
        namespace_filters: { exclude_only: ['AWS/SQS'] },
      },
      resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
    });
  });

  it("replaces one-of objects whole, and the account's entry wins over its OUs", () => {
    const settings = desiredSettingsFor(
      DOCUMENT,
      account({ accountId: '210987654321', ancestorIds: [SANDBOX, 'r-ab12'], parentName: 'Sandbox' }),
    );
    expect(settings.aws_regions).toEqual({ include_only: ['eu-west-1'] });
    expect(settings.metrics_config).toEqual({ enabled: false, automute_enabled: true, namespace_filters: { include_only: ['AWS/EC2'] } });
    expect(settings.account_tags).toEqual(['account:210987654321', 'ou:Sandbox']);
  });

  it('gives an account outside every configured OU the defaults only', () => {
    const settings = desiredSettingsFor(DOCUMENT, account({ ancestorIds: ['ou-ab12-99999999', 'r-ab12'], parentName: 'Other' }));
    expect(settings.resources_config).toEqual({ extended_collection: false });
    expect(settings.account_tags).toEqual(['account:123456789012', 'ou:Other']);
    expect(collectsResources(settings)).toBe(false);
  });

  it('does not change the document it reads', () => {
    const before = JSON.stringify(DOCUMENT);
    desiredSettingsFor(DOCUMENT, account());
    expect(JSON.stringify(DOCUMENT)).toBe(before);
  });
});

describe('Settings: placeholders', () => {
  it('fills {account_id} {account_name} {ou_id} {ou_name} {partition}', () => {
    const document = parseSettingsDocument({
      defaults: { account_tags: ['a:{account_id}', 'n:{account_name}', 'o:{ou_id}/{ou_name}', 'p:{partition}'] },
    });
    expect(desiredSettingsFor(document, account()).account_tags).toEqual([
      'a:123456789012',
      'n:payments-prod',
      `o:${PAYMENTS}/Payments`,
      'p:aws',
    ]);
  });

  it('leaves out a tag whose placeholder has no value for the account (an account of another partition has no OU)', () => {
    const document = parseSettingsDocument({ defaults: { account_tags: ['ou:{ou_name}', 'partition:{partition}'] } });
    const govcloud = account({ partition: 'aws-us-gov', ancestorIds: [], parentName: undefined });
    expect(desiredSettingsFor(document, govcloud).account_tags).toEqual(['partition:aws-us-gov']);
  });

  it('refuses an unknown placeholder, naming the tag', () => {
    expect(() => parseSettingsDocument({ defaults: { account_tags: ['owner:{team}'] } })).toThrow(
      /^settings defaults\.account_tags\[0\]: unknown placeholder/,
    );
  });
});

describe('Settings: validation errors name the path in the document', () => {
  it.each([
    [
      { organizationalUnits: { [PROD]: { metrics_config: { namespace_filters: { include_only: ['EC2'] } } } } },
      `settings organizationalUnits.${PROD}.metrics_config.namespace_filters.include_only[0]: unknown namespace "EC2": not one Datadog collects metrics from`,
    ],
    [
      { accounts: { '123456789012': { metrics_config: { namespace_filters: { exclude_only: ['AWS/SQS', 'AWS/EC3'] } } } } },
      'settings accounts.123456789012.metrics_config.namespace_filters.exclude_only[1]: unknown namespace "AWS/EC3"',
    ],
    [
      { defaults: { metrics_config: { tag_filters: [{ namespace: 'AWS/Lamda', tags: ['env:prod'] }] } } },
      'settings defaults.metrics_config.tag_filters[0].namespace: unknown namespace "AWS/Lamda"',
    ],
    [
      // A value that is not a plain namespace is not echoed.
      { defaults: { metrics_config: { namespace_filters: { include_only: ['AWS/EC2\u001b[31m'] } } } },
      'settings defaults.metrics_config.namespace_filters.include_only[0]: unknown namespace (a value not shown)',
    ],
    [
      { defaults: { aws_regions: { include_only: ['mars-1'] } } },
      'settings defaults.aws_regions.include_only[0]: must be an AWS region name',
    ],
    [
      { defaults: { aws_account_id: '123456789012' } },
      'settings defaults.aws_account_id: set by the application, not the settings document',
    ],
    [{ accounts: { '123456789012': { auth_config: {} } } }, 'settings accounts.123456789012.auth_config: set by the application'],
    [{ defaults: { metrics_config: { enable: true } } }, 'settings defaults.metrics_config.enable: unknown field'],
    [{ organizationalUnits: { 'r-ab12': {} } }, 'settings organizationalUnits.r-ab12: must be an OU id'],
    [{ accounts: { '1234': {} } }, 'settings accounts.1234: must be a 12-digit AWS account id'],
    [
      { defaults: { logs_config: { lambda_forwarder: { lambdas: ['arn:aws:lambda:us-east-1:123456789012:forwarder'] } } } },
      'settings defaults.logs_config.lambda_forwarder.lambdas[0]: must be a Lambda function ARN',
    ],
    [
      { defaults: { resources_config: { extended_collection: 'yes' } } },
      'settings defaults.resources_config.extended_collection: Invalid input',
    ],
  ])('%j', (document, message) => {
    let thrown: Error | undefined;
    try {
      parseSettingsDocument(document);
    } catch (error) {
      thrown = error as Error;
    }
    expect(thrown?.name).toBe('InvalidInputError');
    expect(thrown?.message.startsWith(message)).toBe(true);
    expect(thrown?.message).not.toContain('\n');
  });

  it("takes every namespace of Datadog's published list, including those not shaped AWS/<Service>", () => {
    const include_only = [...AWS_NAMESPACES_SNAPSHOT];
    expect(include_only).toEqual(
      expect.arrayContaining(['AWS/EC2', 'AWS/EC2/API', 'Glue', 'AWS/Network Manager', '/aws/sagemaker/Endpoints']),
    );
    expect(parseSettingsDocument({ defaults: { metrics_config: { namespace_filters: { include_only } } } })).toEqual({
      defaults: { metrics_config: { namespace_filters: { include_only } } },
    });
    expect(new Set(include_only).size).toBe(include_only.length);
  });

  it("refuses CSPM without extended collection (Datadog's rule), on the merged settings of a layer", () => {
    const document = parseSettingsDocument({
      defaults: { resources_config: { extended_collection: false } },
      organizationalUnits: { [PROD]: { resources_config: { cloud_security_posture_management_collection: true } } },
    });
    expect(() => checkSettingsDocument(document)).toThrow(
      `settings organizationalUnits.${PROD}.resources_config.cloud_security_posture_management_collection: needs resources_config.extended_collection: true`,
    );
    expect(() => desiredSettingsFor(document, account({ ancestorIds: [PROD, 'r-ab12'] }))).toThrow(
      /needs resources_config\.extended_collection/,
    );
  });
});

describe("Settings: the Datadog client's models", () => {
  it('reads every setting of the document into the client model and back to the same JSON', () => {
    const settings = desiredSettingsFor(DOCUMENT, account());
    expect(() => checkWithDatadogModels(settings, ['defaults'])).not.toThrow();
    const client = toClientAttributes(settings);
    expect(client.metricsConfig?.namespaceFilters).toEqual({ excludeOnly: ['AWS/SQS'] });
    expect(client.resourcesConfig?.cloudSecurityPostureManagementCollection).toBe(true);
    const held = registrationSettings({
      ...client,
      awsAccountId: '123456789012',
      awsPartition: 'aws',
      authConfig: { roleName: 'R' },
    } as never);
    expect(held).toMatchObject(settings);
  });

  it('refuses what the client model cannot read, naming the path', () => {
    // The zod schema stops this first; the client check is the second line for values it lets through.
    expect(() => checkWithDatadogModels({ aws_regions: { include_only: 'eu-west-1' } } as never, ['defaults'])).toThrow(
      'settings defaults.aws_regions: the Datadog client cannot read this value into its model',
    );
    expect(() => checkWithDatadogModels({ metrics_config: { enabeld: true } } as never, ['accounts', '123456789012'])).toThrow(
      'settings accounts.123456789012.metrics_config.enabeld: not a field of the Datadog client model',
    );
  });
});

describe('Settings: drift', () => {
  it('describes drift for a person: each path, what Datadog holds and what the document wants, long values cut', () => {
    // Prepare
    const held = { account_tags: ['team:a'], metrics_config: { enabled: false } };
    const desired = {
      account_tags: ['team:a', `note:${'x'.repeat(100)}`],
      metrics_config: { enabled: true },
      traces_config: { xray_services: { include_all: true } },
    };

    // Act
    const described = describeSettingsDrift(held, desired);

    // Assess
    expect(described.split('; ')).toEqual([
      `account_tags: ["team:a"] → ["team:a","note:${'x'.repeat(63)}…`,
      'metrics_config.enabled: false → true',
      'traces_config.xray_services: (not set) → {"include_all":true}',
    ]);
    expect(describeSettingsDrift(held, { account_tags: ['team:a'] })).toBe('');
  });

  const held = {
    account_tags: ['b:2', 'a:1'],
    aws_regions: { include_all: true },
    metrics_config: { enabled: true, automute_enabled: true, namespace_filters: { exclude_only: ['AWS/SQS'] }, tag_filters: [] },
    resources_config: { extended_collection: true, cloud_security_posture_management_collection: false },
  };

  it('is empty when the registration holds what the document says (lists compare as sets; unset fields are not compared)', () => {
    expect(
      settingsDrift(held, {
        account_tags: ['a:1', 'b:2'],
        metrics_config: { enabled: true },
        resources_config: { extended_collection: true },
      }),
    ).toEqual([]);
  });

  it('lists the differing field paths, one-of objects whole', () => {
    const desired = {
      account_tags: ['a:1'],
      aws_regions: { include_only: ['eu-west-1'] },
      metrics_config: { enabled: true, automute_enabled: false, namespace_filters: { exclude_only: ['AWS/SQS'] } },
      resources_config: { cloud_security_posture_management_collection: true },
      traces_config: { xray_services: { include_all: true } },
    };
    expect(settingsDrift(held, desired)).toEqual([
      'account_tags',
      'aws_regions',
      'metrics_config.automute_enabled',
      'resources_config.cloud_security_posture_management_collection',
      'traces_config.xray_services',
    ]);
    expect(settingsPatch(held, desired)).toEqual({
      account_tags: ['a:1'],
      aws_regions: { include_only: ['eu-west-1'] },
      metrics_config: { enabled: true, automute_enabled: false, namespace_filters: { exclude_only: ['AWS/SQS'] }, tag_filters: [] },
      resources_config: { extended_collection: true, cloud_security_posture_management_collection: true },
      traces_config: { xray_services: { include_all: true } },
    });
  });
});

describe('Settings: the shipped document', () => {
  it("is valid: schema, Datadog's rules and the client's models", () => {
    expect(() => checkSettingsDocument(parseSettingsDocument(SHIPPED_SETTINGS))).not.toThrow();
  });

  it("carries today's defaults: no tags, metrics and extended resource collection on", () => {
    expect(settingsDocument().defaults).toEqual({
      account_tags: [],
      metrics_config: { enabled: true },
      resources_config: { extended_collection: true },
    });
  });

  it('has an up-to-date JSON Schema (npm run settings:schema)', () => {
    expect(readFileSync(path.join(ROOT, 'settings', 'datadog-settings.schema.json'), 'utf8')).toBe(settingsJsonSchema());
  });

  it('the README example is valid YAML settings', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const example = /```yaml\n(# settings\/datadog-settings[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(() => parseSettingsText(example ?? '')).not.toThrow();
  });

  it('a local document arrives through DATADOG_SETTINGS_DOCUMENT, and a bad one fails in one line', () => {
    const saved = process.env.DATADOG_SETTINGS_DOCUMENT;
    try {
      process.env.DATADOG_SETTINGS_DOCUMENT = JSON.stringify({ defaults: { account_tags: ['team:x'] } });
      expect(settingsDocument().defaults?.account_tags).toEqual(['team:x']);
      process.env.DATADOG_SETTINGS_DOCUMENT = JSON.stringify({ defaults: { aws_regions: { include_all: 'yes' } } });
      expect(() => settingsDocument()).toThrow(/^settings defaults\.aws_regions\.include_all: /);
    } finally {
      if (saved === undefined) delete process.env.DATADOG_SETTINGS_DOCUMENT;
      else process.env.DATADOG_SETTINGS_DOCUMENT = saved;
    }
  });
});

describe('Settings: the role follows resource collection', () => {
  it('collects resources unless extended collection is off (Datadog defaults it on), and always with CSPM', () => {
    expect(collectsResources({})).toBe(true);
    expect(collectsResources({ resources_config: { extended_collection: false } })).toBe(false);
    expect(collectsResources({ resources_config: { extended_collection: true } })).toBe(true);
  });

  it("fits Datadog's standard and resource-collection lists within IAM's default 10 managed policies, SecurityAudit included", () => {
    const standard = planIntegrationPolicies(aTarget(), [...STANDARD_PERMISSIONS_SNAPSHOT]);
    const all = planIntegrationPolicies(aTarget(), [...STANDARD_PERMISSIONS_SNAPSHOT, ...RESOURCE_COLLECTION_PERMISSIONS_SNAPSHOT]);
    expect(standard.wantedAttachments).toHaveLength(2);
    expect(all.wantedAttachments).toHaveLength(6);
    expect(all.wantedAttachments.length).toBeLessThanOrEqual(DEFAULT_MAX_ATTACHED_POLICIES);
    for (const document of all.documents) expect(JSON.stringify(document).length).toBeLessThanOrEqual(6144);
  });

  it('refuses a list that would need more than 10 managed policies, naming the remedy', () => {
    const huge = Array.from({ length: 3000 }, (_, index) => `service${index}:DescribeSomethingRatherLong${index}`);
    expect(() => planIntegrationPolicies(aTarget(), huge)).toThrow(
      /more than IAM's default 10 per role or user.*Turn off extended resource collection/,
    );
  });
});
