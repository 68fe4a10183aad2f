import {
  MANAGED_POLICY_MAX_CHARACTERS,
  documentSize,
  integrationPolicyName,
  splitIntegrationPolicy,
} from '../../../shared/iam/integration-policy';
import { STANDARD_PERMISSIONS_SNAPSHOT } from '../../../shared/datadog/permissions';

/**
 * A list several times what one managed policy holds (about as long as Datadog's resource-collection list, 650
 * actions), with repeats, as a published list may have.
 */
const resourceCollection = Array.from({ length: 700 }, (_, index) => `service${index % 40}:DescribeResourceOfKind${index % 650}`);

describe('Function: splitIntegrationPolicy', () => {
  it('puts the standard permissions in one policy', () => {
    const documents = splitIntegrationPolicy([...STANDARD_PERMISSIONS_SNAPSHOT]);
    expect(documents).toHaveLength(1);
    expect(documents[0].Statement[0]).toMatchObject({ Effect: 'Allow', Resource: '*' });
    expect(documents[0].Statement[0].Action).toHaveLength(new Set(STANDARD_PERMISSIONS_SNAPSHOT).size);
  });

  it('splits a list too large for one policy into parts that each fit, losing and repeating nothing', () => {
    // Act
    const documents = splitIntegrationPolicy(resourceCollection);

    // Assess
    expect(documents.length).toBeGreaterThan(1);
    for (const document of documents) expect(documentSize(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    const actions = documents.flatMap((document) => document.Statement[0].Action as string[]);
    expect(actions).toEqual([...new Set(resourceCollection)].sort());
  });

  it('fills each part as far as it goes (no part could take the next part’s first action)', () => {
    const documents = splitIntegrationPolicy(resourceCollection, 1000);
    for (const [index, document] of documents.slice(0, -1).entries()) {
      const next = (documents[index + 1].Statement[0].Action as string[])[0];
      const grown = {
        ...document,
        Statement: [{ ...document.Statement[0], Action: [...(document.Statement[0].Action as string[]), next] }],
      };
      expect(documentSize(grown)).toBeGreaterThan(1000);
    }
  });

  it('throws when one action alone cannot fit', () => {
    expect(() => splitIntegrationPolicy(['ec2:Describe*'], 50)).toThrow('IAM action ec2:Describe* alone exceeds 50 characters');
  });
});

describe('Function: integrationPolicyName', () => {
  it('keeps the name for the first part and numbers the others from 2', () => {
    expect([0, 1, 2].map((index) => integrationPolicyName('DatadogIntegrationPolicy', index))).toEqual([
      'DatadogIntegrationPolicy',
      'DatadogIntegrationPolicy-2',
      'DatadogIntegrationPolicy-3',
    ]);
  });
});
