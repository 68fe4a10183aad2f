/**
 * What the sandbox keeps to stay fast at 10,000 accounts, checked for staying right: the index of access-key holders
 * and of the members under each parent, when keys and accounts come after the index was built; and the event-loop turn
 * of every call, which lets an in-process server (the local Datadog) answer while a long chain of calls runs.
 */
import { ListAccountsForParentCommand, ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsSandbox } from '../../../local/sandbox';
import { LAMBDA, MANAGEMENT, MEMBER, clients, sandboxPerTest } from './helpers';

describe('Class: AwsSandbox, its indexes and its calls', () => {
  let sandbox: AwsSandbox;
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  const asLambda = <T>(fn: () => Promise<T>) => sandbox.asPrincipal(LAMBDA, fn);
  const identityOf = async (key: { accessKeyId: string; secretAccessKey: string }) =>
    (await clients(key).sts.send(new GetCallerIdentityCommand({}))).Arn;

  sandboxPerTest((installed) => (sandbox = installed), { propagationSeconds: 0, prepare: (fresh) => fresh.putUser(MEMBER, 'datadog') });

  it('knows the holder of an access key made after a first call signed with another key', async () => {
    // Prepare: the first call builds the index of key holders.
    const first = sandbox.putAccessKey(MEMBER, 'datadog');
    const firstIdentity = await identityOf(first);

    // Act
    const second = sandbox.putAccessKey(MEMBER, 'datadog');
    const secondIdentity = await identityOf(second);

    // Assess
    expect([firstIdentity, secondIdentity]).toEqual([`arn:aws:iam::${MEMBER}:user/datadog`, `arn:aws:iam::${MEMBER}:user/datadog`]);
  });

  it('lists an account added under the root after the root was first listed', async () => {
    // Prepare: the first listing builds the index of members by parent.
    const { Roots } = await asLambda(() => organizations.send(new ListRootsCommand({})));
    const list = async () =>
      (await asLambda(() => organizations.send(new ListAccountsForParentCommand({ ParentId: Roots![0].Id! })))).Accounts?.map(
        (account) => account.Id,
      );
    const before = await list();

    // Act
    sandbox.addAccount('555566667777', { name: 'late' });
    const after = await list();

    // Assess
    expect(before).toEqual([MANAGEMENT, MEMBER]);
    expect(after).toEqual([MANAGEMENT, MEMBER, '555566667777']);
  });

  it('turns the event loop on every call: what waits for it runs during a long chain of calls, not after', async () => {
    // Prepare: a first call resolves the client's credentials and region (which may wait on I/O of their own).
    let callsBeforeTurn: number | undefined;
    let calls = 0;
    await asLambda(() => organizations.send(new ListRootsCommand({})));

    // Act: one chain of awaited calls, as a function makes them, with something waiting for the event loop.
    setImmediate(() => (callsBeforeTurn = calls));
    await asLambda(async () => {
      for (; calls < 50; calls += 1) await organizations.send(new ListRootsCommand({}));
    });

    // Assess
    expect(callsBeforeTurn).toBeDefined();
    expect(callsBeforeTurn).toBeLessThan(2);
  });
});
