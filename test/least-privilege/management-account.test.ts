/**
 * OnboardManagementAccount: the functions that converge the Datadog role act in the management account with their
 * own role, so template.yaml grants them IAM there, but only on the Datadog role and policy names of the stack's
 * account, and only when the parameter is true.
 */
import { stackResolution } from '../../local/deployment';
import { loadExecutionRolePolicies } from '../../local/template-policies';
import { statementActions, statementResources } from '../support/simulate';
import { loadTemplate } from '../../local/template';

const template = loadTemplate();
const names = { partition: 'aws-us-gov', region: 'us-gov-west-1', accountId: '111122223333', stackName: 'stack' };

function iamGrants(parameters: Record<string, string>): { role: string; actions: string[]; resources: unknown[] }[] {
  return loadExecutionRolePolicies(template, stackResolution(template, names, parameters)).flatMap((role) =>
    role.policies.flatMap((loaded) =>
      loaded.policy.Statement.filter((statement) => statementActions(statement).some((action) => action.startsWith('iam:'))).map(
        (statement) => ({
          role: role.logicalId,
          actions: statementActions(statement),
          resources: statementResources(statement),
        }),
      ),
    ),
  );
}

describe('Policies of template.yaml: the management account', () => {
  it('grant no IAM action by default', () => {
    expect(iamGrants({})).toEqual([]);
  });

  it('grant IAM only on the Datadog role and policy names of the stack account with OnboardManagementAccount=true', () => {
    const grants = iamGrants({ OnboardManagementAccount: 'true', DatadogRoleName: 'DdRole', DatadogPolicyName: 'DdPolicy' });
    expect([...new Set(grants.map((grant) => grant.role))].sort()).toEqual(['ProvisionRoleFunction', 'RemoveValidatorTrustFunction']);
    for (const grant of grants) {
      for (const resource of grant.resources) {
        expect(['arn:aws-us-gov:iam::111122223333:role/DdRole', 'arn:aws-us-gov:iam::111122223333:policy/DdPolicy*']).toContain(resource);
      }
      const onPolicy = grant.resources.some((resource) => String(resource).includes(':policy/'));
      expect(grant.actions.every((action) => (onPolicy ? /Polic/.test(action) : /Role|AssumeRolePolicy/.test(action)))).toBe(true);
    }
    // No user, no access key, no PassRole in the management account.
    const actions = grants.flatMap((grant) => grant.actions);
    expect(actions.filter((action) => /User|AccessKey|PassRole|DeleteRole$/.test(action))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:UpdateAssumeRolePolicy', 'iam:CreatePolicy']));
  });
});
