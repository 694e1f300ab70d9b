import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

let world: LoginWorld;
let app: Express;
useLoginSuite((suite) => ({ world, app } = suite));

describe('a code is claimed under its state', () => {
  // A code is claimed beneath the state it came with (one script on the state's hash tag, no stored state): the
  // same code brought back with another fresh state is WeChat's to refuse (40163), which it does.
  it('a used code brought back with a fresh state of the same browser logs nobody in again: WeChat refuses it once, the login restarts', async () => {
    const agent = request.agent(app);
    const first = await agent.get('/auth/wechat/login?returnTo=/api/me').set('User-Agent', WECHAT_UA);
    const second = await agent.get('/auth/wechat/login?returnTo=/elsewhere').set('User-Agent', WECHAT_UA);
    const callback = new URL(world.emulator.authorize(first.headers.location as string, { user: 'alice' }));
    const done = await agent.get(pathOf(callback.href));
    expect(done.headers.location).toBe('/api/me');

    // The same code, now with the second login's (fresh, unused) state.
    const otherState = new URL(second.headers.location as string).searchParams.get('state')!;
    callback.searchParams.set('state', otherState);
    const exchanges = world.emulator.calls.access_token;
    const again = await agent.get(pathOf(callback.href));
    expect(world.emulator.calls.access_token).toBe(exchanges + 1);
    expect(again.status).toBe(302);
    expect(again.headers.location).toBe('/auth/wechat/login?returnTo=%2Felsewhere&retry=1');
  });
});
