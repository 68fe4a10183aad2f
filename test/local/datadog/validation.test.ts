import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLIENT_UNIONS, checkRequestBody, unknownModelTypes } from '../../../local/datadog/validation';

const MODELS_DIR = join(dirname(require.resolve('@datadog/datadog-api-client/package.json')), 'dist/packages/datadog-api-client-v2/models');

function createBody(attributes: Record<string, unknown>): unknown {
  return {
    data: {
      type: 'account',
      attributes: {
        aws_account_id: '123456789012',
        aws_partition: 'aws',
        auth_config: { role_name: 'DatadogIntegrationRole' },
        ...attributes,
      },
    },
  };
}

describe('Function: checkRequestBody', () => {
  it('accepts a complete create body as Datadog records it', () => {
    // Prepare
    const body = createBody({
      account_tags: ['key:value'],
      aws_regions: { include_only: ['us-east-1'] },
      logs_config: { lambda_forwarder: { lambdas: ['arn:aws:lambda:us-east-1:123456789012:function:Forwarder'], sources: ['s3'] } },
      metrics_config: {
        automute_enabled: true,
        enabled: true,
        namespace_filters: { include_only: ['AWS/EC2'] },
        tag_filters: [{ namespace: 'AWS/EC2', tags: ['key:value'] }],
      },
      resources_config: { cloud_security_posture_management_collection: false, extended_collection: false },
      traces_config: { xray_services: { include_only: ['AWS/AppSync'] } },
    });

    // Act
    const problem = checkRequestBody(body, 'AWSAccountCreateRequest');

    // Assess
    expect(problem).toBeUndefined();
  });

  it.each([
    [createBody({ auth_config: { role_name: 'R', extra: 1 } }), 'unknown field "data.attributes.auth_config.extra"'],
    [createBody({ auth_config: {} }), 'field "data.attributes.auth_config" must match exactly one of AWSAuthConfigKeys, AWSAuthConfigRole'],
    [
      createBody({ auth_config: { role_name: 'R', access_key_id: 'AKIA' } }),
      'field "data.attributes.auth_config" must match exactly one of AWSAuthConfigKeys, AWSAuthConfigRole',
    ],
    [
      createBody({ metrics_config: { tag_filters: [{ namespace: 7 }] } }),
      'field "data.attributes.metrics_config.tag_filters[0].namespace" must be a string',
    ],
    [
      createBody({ aws_regions: { include_all: true, include_only: [] } }),
      'field "data.attributes.aws_regions" must match exactly one of AWSRegionsIncludeAll, AWSRegionsIncludeOnly',
    ],
    [{ data: { type: 'account' } }, 'missing required field "data.attributes"'],
    [[], 'request body must be an object'],
  ])('names the offending field path (%#)', (body, expected) => {
    // Prepare: the table above

    // Act
    const problem = checkRequestBody(body, 'AWSAccountCreateRequest');

    // Assess
    expect(problem).toBe(expected);
  });

  it('requires aws_account_id in a PATCH body, as the client model does', () => {
    // Prepare
    const body = { data: { type: 'account', attributes: { account_tags: [] } } };

    // Act
    const problem = checkRequestBody(body, 'AWSAccountUpdateRequest');

    // Assess
    expect(problem).toBe('missing required field "data.attributes.aws_account_id"');
  });
});

describe('Function: unknownModelTypes', () => {
  it('knows every type reachable from the request models of the installed client', () => {
    // Prepare: the installed @datadog/datadog-api-client

    // Act
    const unknown = unknownModelTypes();

    // Assess
    expect(unknown).toEqual([]);
  });

  it('lists the same union members as the client type declarations', () => {
    // Prepare
    const declared = Object.keys(CLIENT_UNIONS).map((name) => {
      const source = readFileSync(join(MODELS_DIR, `${name}.d.ts`), 'utf8');
      const members = /export declare type \w+ = ([^;]+);/.exec(source)?.[1] ?? '';
      return [
        name,
        members
          .split('|')
          .map((member) => member.trim())
          .filter((member) => member !== 'UnparsedObject'),
      ];
    });

    // Act
    const listed = Object.entries(CLIENT_UNIONS).map(([name, members]) => [name, [...members]]);

    // Assess
    expect(listed.map(([name, members]) => [name, [...members].sort()])).toEqual(
      declared.map(([name, members]) => [name, [...members].sort()]),
    );
  });
});
