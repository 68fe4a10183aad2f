/**
 * Secrets hygiene of the GovCloud flows: the GovCloud credentials and every access key the flows create (and
 * rotate) are known secrets; none may appear in logs, Step Functions state, the summary or an error. They belong in
 * Secrets Manager, and in the request that registers the key with Datadog, and nowhere else.
 */
import { restoreQuietLogs } from '../support/verbose-logs';
import { rotateLocally } from '../../local/rotate';
import { newSandboxFor, runLocally } from '../../local/run';
import type { AwsSandbox } from '../../local/sandbox';
import { sampleEvent } from '../helpers';
import { captureOutput } from './canaries';

/** Every secret value the sandbox holds: secret strings' fields and IAM users' secret access keys. */
function secretValues(sandbox: AwsSandbox): string[] {
  const values = new Set<string>();
  const walk = (node: unknown, key?: string) => {
    if (typeof node === 'string') {
      if (key === 'secretAccessKey' || key === 'secretString') {
        values.add(node);
        try {
          walk(JSON.parse(node));
        } catch {
          // a plain string secret
        }
      }
      return;
    }
    if (Array.isArray(node)) node.forEach((item) => walk(item));
    else if (node && typeof node === 'object') for (const [name, value] of Object.entries(node)) walk(value, name);
  };
  walk(sandbox.toJSON());
  // Key ids are not secret; only the secret parts are scanned for.
  return [...values].filter((value) => value.length >= 16 && !value.startsWith('{') && !/^AKIA|^ASIA/.test(value));
}

describe('Secrets hygiene: GovCloud flows', () => {
  afterAll(() => restoreQuietLogs());

  it.each(['datadoghq.com', 'ddog-gov.com'] as const)(
    'the CreateGovCloudAccount flow on %s, then a rotation, shows no secret anywhere',
    async (site) => {
      // Prepare
      const sandbox = newSandboxFor(sampleEvent('organizations-create-govcloud-account.json'));
      const progress: unknown[] = [];

      // Act
      const run = await captureOutput(() =>
        runLocally({
          input: sampleEvent('organizations-create-govcloud-account.json'),
          sandbox,
          datadogSite: site,
          logLevel: 'DEBUG',
          onProgress: (event) => progress.push(event),
        }),
      );
      const rotation =
        site === 'datadoghq.com'
          ? await captureOutput(() =>
              rotateLocally({ accountId: '777788889999', sandbox, datadogAccounts: run.value?.datadogAccounts ?? [] }),
            )
          : undefined;

      // Assess
      const secrets = secretValues(sandbox);
      // The flows did create secrets: the GovCloud credentials, and on commercial sites two access keys (before and after rotation).
      expect(secrets.length).toBeGreaterThanOrEqual(site === 'datadoghq.com' ? 3 : 1);
      expect(run.value?.outcome).toBe('onboarded');
      const seen = JSON.stringify({
        summary: run.value,
        progress,
        output: run.output,
        error: run.error,
        rotation: rotation?.value,
        rotationOutput: rotation?.output,
        rotationError: rotation?.error,
      });
      for (const secret of secrets) expect(seen).not.toContain(secret);
    },
  );
});
