import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

let world: LoginWorld;
let app: Express;
useLoginSuite((suite) => ({ world, app } = suite));

describe('a code is exchanged by one callback only', () => {
  it('a code already claimed by another callback of this browser is not exchanged again, even with a fresh state', async () => {
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
    expect(world.emulator.calls.access_token).toBe(exchanges);
    expect(again.status).toBe(302);
    expect(again.headers.location).toBe('/api/me');
  });
});
