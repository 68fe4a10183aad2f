/**
 * The local Datadog's events endpoint (`POST /api/v1/events`), through the real client's EventsApi as the functions
 * call it: the API key alone authenticates, bodies are checked against the client's EventCreateRequest, and accepted
 * events are recorded.
 */
import { startLocalDatadog, type LocalDatadogServer } from '../../local/datadog/server';
import { eventsApi } from '../../shared/datadog/events-client';
import { lifecycleEvent } from '../../shared/observability/datadog-events';

const KEYS = { apiKey: 'local-api-key', appKey: 'local-app-key' };

describe('Local Datadog: events', () => {
  let datadog: LocalDatadogServer;

  beforeEach(async () => {
    datadog = await startLocalDatadog(KEYS);
  });

  afterEach(async () => {
    await datadog.close();
  });

  it('accepts an event with the API key alone and records it in API field names', async () => {
    // Act
    const response = await eventsApi({
      site: 'datadoghq.com',
      keys: { apiKey: KEYS.apiKey, appKey: 'not-needed' },
      apiUrl: datadog.url,
    }).createEvent({ body: lifecycleEvent({ outcome: 'repaired', accountId: '444455556666' }) });

    // Assess
    expect(response.status).toBe('ok');
    expect(datadog.events()).toEqual([
      expect.objectContaining({
        id: 1,
        alert_type: 'info',
        aggregation_key: 'aws-account-444455556666',
        tags: expect.arrayContaining(['outcome:repaired']),
      }),
    ]);
    expect(datadog.requests().map((request) => `${request.operation} ${request.status}`)).toEqual(['CreateEvent 202']);
  });

  it('answers 403 to a wrong API key, and 400 naming the field for a body the client model does not allow', async () => {
    // Act
    const wrongKey = await fetch(`${datadog.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'dd-api-key': 'wrong', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 't', text: 'x' }),
    });
    const unknownField = await fetch(`${datadog.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'dd-api-key': KEYS.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 't', text: 'x', alertType: 'error' }),
    });
    const tooLong = await fetch(`${datadog.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'dd-api-key': KEYS.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 't', text: 'x'.repeat(4001) }),
    });

    // Assess
    expect(wrongKey.status).toBe(403);
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(await unknownField.json())).toContain('unknown field \\"alertType\\"');
    expect(tooLong.status).toBe(400);
    expect(datadog.events()).toEqual([]);
  });
});
