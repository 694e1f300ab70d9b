import { describe, it, expect } from '@jest/globals';
import { once } from 'node:events';
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
    // The refused connection ends the client by itself (no retry strategy). Calling disconnect() on an ended
    // client would arm ioredis's 2 s "destroy the stream" timer on a socket that never closes again,
    // keeping the jest worker alive after the run.
    if (again.status !== 'end') await once(again, 'end');
    expect(again.status).toBe('end');
  });
});
