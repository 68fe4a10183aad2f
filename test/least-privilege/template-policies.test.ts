/**
 * The execution roles of template.yaml as deployed (SAM policy templates expanded, explicit roles, the state machine's
 * policies), and the static rules of least privilege: no wildcard action, no write on `*`, partition-aware ARNs, and
 * no action a function does not call.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SIMULATED_PARTITIONS, simulatedDeployment } from '../support/simulated-deployment';
import { expandSamPolicyTemplate, loadExecutionRolePolicies, type ExecutionRolePolicies } from '../../local/template-policies';
import { statementActions, statementResources } from '../support/simulate';
import { REPO_ROOT, loadTemplate, type Template } from '../../local/template';
import { expectedCalls } from './handler-calls';

const template = loadTemplate();

function rolesIn(partition: (typeof SIMULATED_PARTITIONS)[number], source: Template = template): ExecutionRolePolicies[] {
  return loadExecutionRolePolicies(source, simulatedDeployment(source, partition).resolution);
}

/** Statements the template itself writes (AWS managed policies are only referenced), with their resolved form. */
function authoredStatements(
  role: ExecutionRolePolicies,
): { authored: Record<string, unknown>; resolved: Record<string, unknown>; policy: string }[] {
  return role.policies.flatMap((loaded) =>
    (loaded.authored?.Statement ?? []).map((authored, index) => ({
      authored,
      resolved: loaded.policy.Statement[index] as unknown as Record<string, unknown>,
      policy: `${role.logicalId}/${loaded.name}`,
    })),
  );
}

/** An action that reads (its verb is Get, List or Describe). */
function isReadOnly(action: string): boolean {
  return /^[a-z0-9-]+:(Get|List|Describe)/.test(action);
}

/** Problems of a resource as the template writes it: an ARN must be built with `${AWS::Partition}`. */
function partitionProblem(resource: unknown, parameters: string[]): string | undefined {
  if (typeof resource === 'string') return resource === '*' || !resource.startsWith('arn:') ? undefined : `hard-coded ARN ${resource}`;
  const record = resource as Record<string, unknown>;
  if ('Fn::Sub' in record) {
    const text = String(record['Fn::Sub']);
    if (text.startsWith('arn:')) return text.startsWith('arn:${AWS::Partition}:') ? undefined : `${text} does not use \${AWS::Partition}`;
    const whole = /^\$\{(\w+)\}$/.exec(text);
    return whole && parameters.includes(whole[1]) ? undefined : `${text} is neither an ARN nor a parameter`;
  }
  if ('Ref' in record || 'Fn::GetAtt' in record) return undefined;
  return `unsupported resource expression ${JSON.stringify(resource)}`;
}

describe('Function: loadExecutionRolePolicies', () => {
  it('expands LambdaInvokePolicy and AWSSecretsManagerGetSecretValuePolicy as SAM defines them', () => {
    // Prepare
    const deployment = simulatedDeployment(template, 'aws-us-gov');

    // Act
    const roles = loadExecutionRolePolicies(template, deployment.resolution);

    // Assess
    const stateMachine = roles.find((role) => role.logicalId === 'OnboardingStateMachine');
    const invokeResolveTarget = stateMachine?.policies.find(
      (loaded) => loaded.name.startsWith('LambdaInvokePolicy#') && JSON.stringify(loaded.policy).includes('-ResolveTargetFunction*'),
    );
    expect(invokeResolveTarget).toMatchObject({
      source: 'sam-policy-template',
      policy: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: 'arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:datadog-onboarding-ResolveTargetFunction*',
          },
        ],
      },
    });
    const lookUp = roles.find((role) => role.logicalId === 'LookUpRegistrationFunction');
    expect(lookUp?.policies.map((loaded) => loaded.policy.Statement)).toEqual([
      [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
      [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: deployment.secretArn }],
    ]);
  });

  it('gives the validator its explicit role: the inline policy and AWSLambdaBasicExecutionRole (logs only)', () => {
    // Act
    const validator = rolesIn('aws').find((role) => role.logicalId === 'ValidateRoleFunction');

    // Assess
    expect(validator?.roleLogicalId).toBe('ValidatorRole');
    expect(validator?.policies.map((loaded) => [loaded.name, loaded.source])).toEqual([
      ['AssumeDatadogRole', 'role-inline-policy'],
      ['AWSLambdaBasicExecutionRole', 'aws-managed-policy'],
    ]);
    expect(validator?.policies[1].policy.Statement.flatMap(statementActions).every((action) => action.startsWith('logs:'))).toBe(true);
  });

  it('keeps the template expressions in the authored form of a SAM policy template', () => {
    // Act
    const expanded = expandSamPolicyTemplate(
      'AWSSecretsManagerGetSecretValuePolicy',
      { SecretArn: { Ref: 'DatadogKeysSecretArn' } },
      'test',
    );

    // Assess
    expect(expanded.Statement).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: { 'Fn::Sub': '${DatadogKeysSecretArn}' } },
    ]);
  });

  it.each([
    [
      'an unknown SAM policy template',
      (copy: Template) =>
        ((copy.Resources.ResolveTargetFunction.Properties as Record<string, unknown>).Policies = [
          { S3FullAccessPolicy: { BucketName: 'b' } },
        ]),
      /S3FullAccessPolicy is not known/,
    ],
    [
      'a managed policy other than AWSLambdaBasicExecutionRole',
      (copy: Template) =>
        (copy.Resources.ValidatorRole.Properties!.ManagedPolicyArns as unknown[]).push('arn:aws:iam::aws:policy/AdministratorAccess'),
      /AdministratorAccess is not modelled/,
    ],
    [
      'a property through which SAM adds permissions',
      (copy: Template) => ((copy.Resources.ProvisionRoleFunction.Properties as Record<string, unknown>).Tracing = 'Active'),
      /Tracing adds permissions/,
    ],
  ])('refuses %s rather than understate a role', (_, change, message) => {
    // Prepare
    const copy = structuredClone(template);
    change(copy);

    // Act
    const load = () => rolesIn('aws', copy);

    // Assess
    expect(load).toThrow(message);
  });
});

describe('Policies of template.yaml', () => {
  it('cover every function and the state machine, each with a table of its calls', () => {
    // Act
    const owners = rolesIn('aws').map((role) => role.logicalId);

    // Assess
    expect(owners.sort()).toEqual(Object.keys(expectedCalls({ template, deployment: simulatedDeployment(template, 'aws') })).sort());
  });

  it('never hard-code a partition in an ARN (template.yaml)', () => {
    // Act
    const text = readFileSync(path.join(REPO_ROOT, 'template.yaml'), 'utf8');

    // Assess
    expect(text.match(/arn:aws(-[a-z]+)*:/g) ?? []).toEqual([]);
  });

  describe.each(SIMULATED_PARTITIONS)('in partition %s', (partition) => {
    const roles = rolesIn(partition);
    const statements = roles.flatMap(authoredStatements);

    it('name no wildcard action, no NotAction and no NotResource', () => {
      // Act
      const offending = statements.filter(
        ({ authored }) =>
          'NotAction' in authored || 'NotResource' in authored || statementActions(authored).some((action) => action.includes('*')),
      );

      // Assess
      expect(offending.map(({ policy }) => policy)).toEqual([]);
      expect(statements.length).toBeGreaterThan(0);
    });

    it('confine every sts:AssumeRole to accounts of this organization', () => {
      // Act
      const assumeRole = statements.filter(({ resolved }) => statementActions(resolved).includes('sts:AssumeRole'));
      const unconfined = assumeRole.filter(
        ({ resolved }) =>
          (resolved.Condition as { StringEquals?: Record<string, unknown> } | undefined)?.StringEquals?.['aws:ResourceOrgID'] !==
          '${aws:PrincipalOrgID}',
      );

      // Assess
      expect(assumeRole.length).toBeGreaterThan(0);
      expect(unconfined.map(({ policy }) => policy)).toEqual([]);
    });

    it('allow no action other than Get, List or Describe on "*" (AWSLambdaBasicExecutionRole aside)', () => {
      // Act
      const offending = statements.filter(
        ({ resolved }) => statementResources(resolved).includes('*') && statementActions(resolved).some((action) => !isReadOnly(action)),
      );

      // Assess
      expect(offending.map(({ policy }) => policy)).toEqual([]);
    });

    it('build every resource ARN with ${AWS::Partition}, or take it from a parameter', () => {
      // Prepare
      const parameters = Object.keys(template.Parameters);

      // Act
      const problems = statements.flatMap(({ authored, policy }) =>
        statementResources(authored).flatMap((resource) => {
          const problem = partitionProblem(resource, parameters);
          return problem ? [`${policy}: ${problem}`] : [];
        }),
      );

      // Assess
      expect(problems).toEqual([]);
    });

    it(`resolve every resource to an ARN of ${partition}`, () => {
      // Act
      const resources = roles.flatMap((role) => role.policies.flatMap((loaded) => loaded.policy.Statement.flatMap(statementResources)));

      // Assess
      expect(resources.filter((resource) => resource !== '*' && !String(resource).startsWith(`arn:${partition}:`))).toEqual([]);
    });

    it.each(roles.map((role) => [role.logicalId, role] as const))('grant %s only actions it calls', (logicalId, role) => {
      // Prepare
      const table = expectedCalls({ template, deployment: simulatedDeployment(template, partition) })[logicalId];

      // Act
      const granted = new Set(authoredStatements(role).flatMap(({ authored }) => statementActions(authored)));

      // Assess
      expect([...granted].sort()).toEqual([...new Set(table.map((call) => call.action))].sort());
    });
  });
});
