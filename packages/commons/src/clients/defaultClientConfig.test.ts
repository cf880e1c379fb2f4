import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { defaultClientConfig } from './defaultClientConfig.js';

class FakeHandler {
  constructor(readonly options: { httpAgent: http.Agent; httpsAgent: https.Agent }) {}
}

describe('defaultClientConfig', () => {
  it('builds the HTTP/1.1 handler with keep-alive agents for http and https endpoints', () => {
    const { requestHandler, maxAttempts } = defaultClientConfig(FakeHandler, { maxSockets: 24 });
    const { httpAgent, httpsAgent } = requestHandler.options;
    expect(httpAgent).toBeInstanceOf(http.Agent);
    expect(httpsAgent).toBeInstanceOf(https.Agent);
    for (const agent of [httpAgent, httpsAgent]) {
      expect((agent as http.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
      expect(agent.maxSockets).toBe(24);
    }
    expect(maxAttempts).toBeUndefined();
  });

  it('leaves the socket count open by default and passes maxAttempts only when given', () => {
    const config = defaultClientConfig(FakeHandler, { maxAttempts: 1 });
    expect(config.requestHandler.options.httpAgent.maxSockets).toBe(Number.POSITIVE_INFINITY);
    expect(config).toMatchObject({ maxAttempts: 1 });
    expect(Object.keys(defaultClientConfig(FakeHandler))).toEqual(['requestHandler']);
  });
});
