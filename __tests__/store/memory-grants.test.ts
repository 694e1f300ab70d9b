import { describe, expect, it } from '@jest/globals';
import { createMemoryStore, createTestClock } from '../../lib/index.js';

const grant = {
  accessToken: 'AT', refreshToken: 'RT', expiresAt: 0, refreshExpiresAt: 0, expiresIn: 7200, scope: 'snsapi_base', openid: 'o', userId: 1,
};
const newTokens = { accessToken: 'AT2', refreshToken: 'RT2', expiresAt: 0, expiresIn: 7200, scope: 'snsapi_base' };

describe('the memory store keeps a grant’s expiry like Redis does', () => {
  it('does not extend a grant’s lifetime when its tokens are replaced or it is marked dead', async () => {
    const clock = createTestClock(0);
    const { grants } = createMemoryStore({ clock });
    const id = await grants.create(grant, 1_000);
    clock.advance(600);
    const replaced = await grants.replaceTokens(id, 1, newTokens);
    expect(replaced?.accessToken).toBe('AT2');
    expect(await grants.markDead(id, 2)).toBe(true);
    clock.advance(600);
    expect(await grants.get(id)).toBeNull();
  });
});
