import { describe, it, expect } from '@jest/globals';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { startRedisServer, waitUntilReady } from './redis-server.js';

/** Timers alive in this worker: one that outlives the suite keeps the jest worker from exiting. */
const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

/** Whether the worker's timers drop to `count` or fewer within `withinMs` (checked every 20 ms, by an unref'd wait). */
async function timersBackTo(count: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (timers() <= count) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20).unref());
  }
}

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

  it('stops without leaving a timer behind when a test already closed one of its clients', async () => {
    const server = await startRedisServer();
    const closed = server.client();
    const open = server.client();
    await Promise.all([closed.ping(), open.ping()]);
    await closed.quit();
    const before = timers();
    await server.stop();
    expect(open.status).toBe('end');
    // Timers are the worker's, shared with what earlier suites left running down, and a quit arms a short one of
    // its own: the count must be back to `before` (or below) within a second, not stay above it.
    expect(await timersBackTo(before, 1_000)).toBe(true);
  });

  it('never takes another server on its port for its own: ready means the answering server has our pid', async () => {
    const foreign = await startRedisServer();
    // Ours lost the race for the port: still running (not redis at all here), while another server answers PING.
    const ours = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await expect(waitUntilReady(ours, foreign.port, 300)).rejects.toThrow(/did not become ready on port \d+ \(another server answers there\)/);
      expect(await foreign.client().ping()).toBe('PONG'); // left alone
    } finally {
      ours.kill('SIGKILL');
      await foreign.stop();
    }
  });
});
