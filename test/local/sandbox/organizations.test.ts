import {
  AccessDeniedException,
  AccountNotFoundException,
  AWSOrganizationsNotInUseException,
  CreateAccountStatusNotFoundException,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AwsSandbox } from '../../../local/sandbox';
import { GOVCLOUD, LAMBDA, MANAGEMENT, MEMBER, memberAdmin, sandboxPerTest } from './helpers';

describe('Class: AwsSandbox', () => {
  let sandbox: AwsSandbox;
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  const asLambda = <T>(fn: () => Promise<T>) => sandbox.asPrincipal(LAMBDA, fn);

  sandboxPerTest((installed) => (sandbox = installed), { prepare: (fresh) => fresh.addAccount(GOVCLOUD, { partition: 'aws-us-gov' }) });

  describe('Organizations', () => {
    it('describes a member account with its State, and no longer with the retired Status', async () => {
      // Prepare
      sandbox.setAccountState(MEMBER, 'PENDING_CLOSURE');

      // Act
      const { Account } = await asLambda(() => organizations.send(new DescribeAccountCommand({ AccountId: MEMBER })));

      // Assess
      expect(Account).toMatchObject({
        Id: MEMBER,
        Name: 'member',
        State: 'PENDING_CLOSURE',
        Arn: expect.stringMatching(new RegExp(`^arn:aws:organizations::${MANAGEMENT}:account/o-[a-z0-9]{10}/${MEMBER}$`)),
      });
      expect(Account).not.toHaveProperty('Status');
    });

    it.each(['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'] as const)(
      'reports the account state %s',
      async (state) => {
        // Prepare
        sandbox.setAccountState(MEMBER, state);

        // Act
        const { Account } = await asLambda(() => organizations.send(new DescribeAccountCommand({ AccountId: MEMBER })));

        // Assess
        expect(Account?.State).toBe(state);
      },
    );

    it('answers AccountNotFoundException for an account outside the organization, GovCloud ones included', async () => {
      // Act
      const unknown = await asLambda(() => organizations.send(new DescribeAccountCommand({ AccountId: '999999999999' }))).catch(
        (e: unknown) => e,
      );
      const govCloud = await asLambda(() => organizations.send(new DescribeAccountCommand({ AccountId: GOVCLOUD }))).catch(
        (e: unknown) => e,
      );

      // Assess
      expect(unknown).toBeInstanceOf(AccountNotFoundException);
      expect(unknown).toMatchObject({ name: 'AccountNotFoundException', __type: 'AccountNotFoundException' });
      expect(govCloud).toBeInstanceOf(AccountNotFoundException);
    });

    it('serves DescribeAccount only to the management account', async () => {
      // Prepare
      const member = await memberAdmin(sandbox);

      // Act
      const error = await member.organizations.send(new DescribeAccountCommand({ AccountId: MEMBER })).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(AccessDeniedException);
    });

    it('refuses callers outside the organization', async () => {
      // Act
      const error = await sandbox
        .asPrincipal(`arn:aws-us-gov:iam::${GOVCLOUD}:root`, () =>
          new OrganizationsClient({ region: 'us-gov-west-1' }).send(new DescribeAccountCommand({ AccountId: MEMBER })),
        )
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(AWSOrganizationsNotInUseException);
    });

    it('reports create-account requests, as recorded and updated', async () => {
      // Prepare
      sandbox.addCreateAccountStatus({ id: 'car-0123456789abcdef', state: 'IN_PROGRESS' });
      const describe = () =>
        asLambda(() => organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: 'car-0123456789abcdef' })));

      // Act
      const before = await describe();
      sandbox.addCreateAccountStatus({ id: 'car-0123456789abcdef', state: 'SUCCEEDED', accountId: MEMBER, govCloudAccountId: GOVCLOUD });
      const after = await describe();
      const missing = await asLambda(() =>
        organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: 'car-ffffffffffffffff' })),
      ).catch((e: unknown) => e);

      // Assess
      expect(before.CreateAccountStatus).toMatchObject({ Id: 'car-0123456789abcdef', State: 'IN_PROGRESS' });
      expect(before.CreateAccountStatus?.AccountId).toBeUndefined();
      expect(after.CreateAccountStatus).toMatchObject({ State: 'SUCCEEDED', AccountId: MEMBER, GovCloudAccountId: GOVCLOUD });
      expect(missing).toBeInstanceOf(CreateAccountStatusNotFoundException);
    });
  });
});
