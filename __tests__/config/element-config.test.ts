import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadWechatLoginElement, WECHAT_ELEMENT_TYPE } from '../../lib/index.js';

let root: string;
const elementPath = 'auths/loginTypes/MyWechatLogin';

async function writeElement(files: { e?: unknown; config?: unknown; raw?: { e?: string; config?: string } }) {
  const dir = path.join(root, elementPath);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  if (files.e !== undefined || files.raw?.e !== undefined) await writeFile(path.join(dir, 'e.json'), files.raw?.e ?? JSON.stringify(files.e));
  if (files.config !== undefined || files.raw?.config !== undefined) {
    await writeFile(path.join(dir, 'MyWechatLogin.json'), files.raw?.config ?? JSON.stringify(files.config));
  }
  return dir;
}

const goodE = { type: WECHAT_ELEMENT_TYPE, title: '微信登录' };
const goodConfig = { appId: 'wx0123456789abcdef', appSecret: 's'.repeat(32), scope: 'snsapi_base', state: 'shop' };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'wechat-element-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadWechatLoginElement', () => {
  it('reads e.json and MyWechatLogin.json into options', async () => {
    await writeElement({ e: goodE, config: goodConfig });
    await expect(loadWechatLoginElement(elementPath, { baseDir: root })).resolves.toEqual({
      title: '微信登录',
      appId: goodConfig.appId,
      appSecret: goodConfig.appSecret,
      scope: 'snsapi_base',
      state: 'shop',
    });
  });

  it.each([
    [{ env: 'MY_WECHAT_SECRET' }],
    ['${MY_WECHAT_SECRET}'],
  ])('reads the secret from an environment variable reference %j', async (appSecret) => {
    await writeElement({ e: goodE, config: { ...goodConfig, appSecret } });
    const options = await loadWechatLoginElement(elementPath, { baseDir: root, env: { MY_WECHAT_SECRET: 'from-env-secret' } });
    expect(options.appSecret).toBe('from-env-secret');
  });

  const failures: Array<[string, Parameters<typeof writeElement>[0], RegExp]> = [
    ['a missing e.json', { config: goodConfig }, /e\.json could not be read/],
    ['e.json that is not JSON', { raw: { e: '{ nope' }, config: goodConfig }, /e\.json is not valid JSON/],
    ['the wrong type', { e: { ...goodE, type: 'auths.loginTypes.Password' }, config: goodConfig }, /e\.json: "type" must be "auths\.loginTypes\.WechatPublicType"/],
    ['no title', { e: { type: WECHAT_ELEMENT_TYPE }, config: goodConfig }, /e\.json: "title" is required/],
    ['a missing MyWechatLogin.json', { e: goodE }, /MyWechatLogin\.json could not be read/],
    ['no appId', { e: goodE, config: { ...goodConfig, appId: '' } }, /MyWechatLogin\.json: "appId" is required/],
    ['no appSecret', { e: goodE, config: { ...goodConfig, appSecret: undefined } }, /MyWechatLogin\.json: "appSecret" is required/],
    ['an unset secret variable', { e: goodE, config: { ...goodConfig, appSecret: { env: 'NOT_SET_ANYWHERE' } } }, /"appSecret" refers to the environment variable NOT_SET_ANYWHERE, which is not set/],
    ['a bad scope', { e: goodE, config: { ...goodConfig, scope: 'snsapi_login' } }, /"scope" must be/],
    ['a bad state label', { e: goodE, config: { ...goodConfig, state: 'has-dash' } }, /"state" must be at most 96 letters or digits/],
  ];

  it.each(failures)('names the file and the field for %s', async (_label, files, message) => {
    await writeElement(files);
    const error = await loadWechatLoginElement(elementPath, { baseDir: root, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_WECHAT_ELEMENT_CONFIG' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(path.join(root, elementPath));
  });

  it('never puts the secret in an error message', async () => {
    await writeElement({ e: goodE, config: { ...goodConfig, scope: 'bad' } });
    const error = (await loadWechatLoginElement(elementPath, { baseDir: root }).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain(goodConfig.appSecret);
  });
});
