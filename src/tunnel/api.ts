import type { ApiClient } from '../api/client.js';
import type { ListenSessionInfo, SessionApi } from './session.js';

/** Binds the listen-session routes of the REST API (docs/api.md) to one event filter and device. */
export function createSessionApi(client: ApiClient, request: { events: string[] | undefined; deviceId: string }): SessionApi {
  return {
    open: () => client.post<ListenSessionInfo>('/v1/listen_sessions', { ...(request.events ? { events: request.events } : {}), device_id: request.deviceId }),
    refreshToken: (sessionId) => client.post<{ token: string }>(`/v1/listen_sessions/${encodeURIComponent(sessionId)}/token`, {}, { idempotent: true }),
    close: async (sessionId) => {
      await client.delete(`/v1/listen_sessions/${encodeURIComponent(sessionId)}`);
    },
  };
}
