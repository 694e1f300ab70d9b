import type { ServerResponse } from 'node:http';
import { ERRORS, type EmulatorState } from './emulator-state.js';
import type { EmulatorApp } from './fixtures.js';
import { sendWechatError, sendWechatJson } from './http-util.js';

export type SnsEndpoint = 'access_token' | 'refresh_token' | 'userinfo' | 'auth';

export const SNS_PATHS: Readonly<Record<string, SnsEndpoint>> = {
  '/sns/oauth2/access_token': 'access_token',
  '/sns/oauth2/refresh_token': 'refresh_token',
  '/sns/userinfo': 'userinfo',
  '/sns/auth': 'auth',
};

export interface SnsContext {
  apps: ReadonlyMap<string, EmulatorApp>;
  state: EmulatorState;
}

type Handler = (params: URLSearchParams, ctx: SnsContext, res: ServerResponse) => void;

/** api.weixin.qq.com's /sns/* endpoints. Every answer is HTTP 200, errors included, as WeChat does. */
export const snsHandlers: Record<SnsEndpoint, Handler> = {
  access_token(params, { apps, state }, res) {
    const app = findApp(params, apps, res);
    if (!app) return;
    const secret = params.get('secret');
    if (!secret) return sendWechatError(res, ERRORS.missingSecret);
    if (secret !== app.appSecret) return sendWechatError(res, ERRORS.invalidAppsecret);
    if (params.get('grant_type') !== 'authorization_code') return sendWechatError(res, ERRORS.invalidGrantType);
    const code = params.get('code');
    if (!code) return sendWechatError(res, ERRORS.missingCode);
    const outcome = state.exchangeCode(app, code);
    if (!outcome.ok) return sendWechatError(res, outcome.error);
    sendWechatJson(res, outcome.value);
  },

  refresh_token(params, { apps, state }, res) {
    const app = findApp(params, apps, res);
    if (!app) return;
    if (params.get('grant_type') !== 'refresh_token') return sendWechatError(res, ERRORS.invalidGrantType);
    const refreshToken = params.get('refresh_token');
    if (!refreshToken) return sendWechatError(res, ERRORS.missingRefreshToken);
    const outcome = state.refresh(app, refreshToken);
    if (!outcome.ok) return sendWechatError(res, outcome.error);
    sendWechatJson(res, outcome.value);
  },

  userinfo(params, { state }, res) {
    const checked = checkToken(params, state, res);
    if (!checked) return;
    // A website app's snsapi_login reads the profile as snsapi_userinfo does.
    if (checked.scope === 'snsapi_base') return sendWechatError(res, ERRORS.apiUnauthorized);
    // A snapshot page never showed the consent popup, so there is no profile to give out.
    if (checked.user.snapshot) return sendWechatError(res, ERRORS.apiUnauthorized);
    // `lang` (zh_CN, zh_TW, en) only translates region names, which WeChat no longer returns.
    // Since 2021-10-20 sex and region are blank for everyone, whatever the fixture says.
    sendWechatJson(res, {
      openid: checked.openid,
      nickname: checked.user.nickname,
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: checked.user.headimgurl ?? '',
      privilege: [],
      ...(checked.unionid ? { unionid: checked.unionid } : {}),
    });
  },

  auth(params, { state }, res) {
    if (!checkToken(params, state, res)) return;
    sendWechatJson(res, { errcode: 0, errmsg: 'ok' });
  },
};

function findApp(params: URLSearchParams, apps: SnsContext['apps'], res: ServerResponse): EmulatorApp | undefined {
  const appid = params.get('appid');
  if (!appid) {
    sendWechatError(res, ERRORS.missingAppid);
    return undefined;
  }
  const app = apps.get(appid);
  if (!app) sendWechatError(res, ERRORS.invalidAppid);
  return app;
}

function checkToken(params: URLSearchParams, state: EmulatorState, res: ServerResponse) {
  const accessToken = params.get('access_token');
  if (!accessToken) return void sendWechatError(res, ERRORS.missingAccessToken);
  const openid = params.get('openid');
  if (!openid) return void sendWechatError(res, ERRORS.missingOpenid);
  const outcome = state.checkAccessToken(accessToken, openid);
  if (!outcome.ok) return void sendWechatError(res, outcome.error);
  return outcome.value;
}
