import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { login, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

let world: LoginWorld;
let app: Express;
useLoginSuite((suite) => ({ world, app } = suite));

const OURS = 'http://localhost:3000'; // publicUrl of the suite's app

async function loggedInAgent() {
  const agent = request.agent(app);
  await login(agent, world.emulator, { user: 'alice' });
  expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  return agent;
}

describe('POST logout refuses cross-site requests (SameSite=Lax is not enough on its own)', () => {
  it.each([
    ['a foreign Origin', { Origin: 'https://evil.example' }],
    ['Origin: null', { Origin: 'null' }],
    ['our host on another scheme', { Origin: 'https://localhost:3000' }],
    ['no Origin but a foreign Referer', { Referer: 'https://evil.example/page' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: cross-site with our Origin claimed', { 'Sec-Fetch-Site': 'cross-site', Origin: OURS }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'Sec-Fetch-Site': 'same-site', Origin: OURS }],
  ])('%s: 403 and the user stays logged in', async (_name, headers) => {
    const agent = await loggedInAgent();
    const res = await agent.post('/auth/wechat/logout').set(headers as Record<string, string>);
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });

  it.each([
    ['our Origin', { Origin: OURS, 'Sec-Fetch-Site': 'same-origin' }],
    ['a same-origin form on a no-referrer page (Origin: null, Sec-Fetch-Site: same-origin)', { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }],
    ['our Origin from a browser without Sec-Fetch-Site', { Origin: OURS }],
    ['our Referer without Origin', { Referer: `${OURS}/auth/wechat/logout` }],
    ['no browser headers at all (a script or old client)', {}],
  ])('%s: logs out', async (_name, headers) => {
    const agent = await loggedInAgent();
    const res = await agent.post('/auth/wechat/logout').set(headers as Record<string, string>);
    expect(res.status).toBe(303);
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(401);
  });
});
