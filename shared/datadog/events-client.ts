/**
 * A Datadog API client for events only (v1 `EventsApi`), for the functions that post the fleet's events. A module of
 * its own, so the v1 client (its serializer and models) is bundled into those functions only (scripts/bundle.ts).
 */
import { createConfiguration } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/configuration';
import { BaseServerConfiguration } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-common/servers';
import { EventsApi } from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/EventsApi';
import { logger as clientLogger } from '@datadog/datadog-api-client/dist/logger';
import type { DatadogConnection } from './client';
import { boundedFetch, DEFAULT_DATADOG_TIMEOUT_SECONDS } from './http';

/**
 * Builds the v1 `EventsApi` for best-effort events: one attempt per event, bounded by `connection.timeoutSeconds`,
 * no client retries and no waiting on a rate limit (a 429 fails at once), so an event never holds up the step that
 * sends it. The same transport as `awsIntegrationApi` ({@link boundedFetch}), the same site or `apiUrl`.
 *
 * @example
 * ```ts
 * await eventsApi({ site: 'datadoghq.com', keys, timeoutSeconds: 3 }).createEvent({ body: { title, text, tags } });
 * ```
 */
export function eventsApi(connection: DatadogConnection): EventsApi {
  // As for the integration client: each failure is logged once, by the caller.
  (clientLogger as { setLevel(level: string): void }).setLevel('silent');
  const configuration = createConfiguration({
    authMethods: { apiKeyAuth: connection.keys.apiKey, appKeyAuth: connection.keys.appKey },
    enableRetry: false,
    fetch: boundedFetch(connection.timeoutSeconds ?? DEFAULT_DATADOG_TIMEOUT_SECONDS, { maxWaitSeconds: 0 }),
    ...(connection.apiUrl ? { baseServer: new BaseServerConfiguration(connection.apiUrl, {}) } : {}),
  });
  if (!connection.apiUrl) configuration.setServerVariables({ site: connection.site });
  return new EventsApi(configuration);
}
