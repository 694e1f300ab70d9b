import type { WechatApiClient } from './api-client.js';

/** Which app a login came through: the Official Account (in WeChat) or the Open Platform website app (a desktop). */
export type WechatAppKind = 'official' | 'website';

/** One app's AppID and its API client (its own credentials). */
export interface WechatApp {
  kind: WechatAppKind;
  appId: string;
  api: WechatApiClient;
}

/**
 * The apps a login can come through, each with its own credentials: a grant is refreshed, and a profile read,
 * with the client of the app that issued its tokens.
 */
export interface WechatApps {
  official: WechatApp;
  /** Undefined when no `websiteApp` is configured. */
  website: WechatApp | undefined;
  /** The app of this AppID (a grant's, a user record's); the Official Account for undefined or an unknown one. */
  byAppId(appId: string | undefined): WechatApp;
  /** The app of this kind; the Official Account for `'official'`, undefined, or a website app not configured. */
  byKind(kind: WechatAppKind | undefined): WechatApp;
  /** Every configured AppID, the Official Account's first. */
  readonly appIds: string[];
}

export function createWechatApps(official: WechatApp, website?: WechatApp): WechatApps {
  return {
    official,
    website,
    byAppId: (appId) => (website && appId === website.appId ? website : official),
    byKind: (kind) => (kind === 'website' && website ? website : official),
    appIds: website ? [official.appId, website.appId] : [official.appId],
  };
}
