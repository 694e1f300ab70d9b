import { describe, it, expect } from '@jest/globals';
import { startRedisServer } from './redis-server.js';

describe('test redis-server helper', () => {
  it('starts a real redis-server on a free port and stops it', async () => {
    const server = await startRedisServer();
    const client = server.client();
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    await server.stop();
    const again = server.client();
    await expect(again.ping()).rejects.toThrow();
    again.disconnect(false);
  });
});
