/**
 * An app the emulator knows: an Official Account (web authorization at `/connect/oauth2/authorize`), or an Open
 * Platform website app (WeChat's QR page at `/connect/qrconnect`, scope `snsapi_login`). Each is refused at the
 * other's page, as WeChat does.
 */
export interface EmulatorApp {
  appId: string;
  appSecret: string;
  /** `'official'` (default): an Official Account; `'website'`: an Open Platform website app (网站应用). */
  kind?: 'official' | 'website';
  /**
   * Hosts allowed for `redirect_uri` (the account's "web authorization domain"), default
   * `['localhost', '127.0.0.1']`. An entry without a port matches any port (the sandbox test account
   * accepts ip:port); an entry `host:port` matches exactly.
   */
  domains?: string[];
  /**
   * Bound to an Open Platform account: `unionid` is returned (snsapi_userinfo and snsapi_login). Default false for
   * an Official Account, true for a website app (it always belongs to one).
   */
  openPlatform?: boolean;
  /** Shown on the consent page; default "测试公众号 Test Account". */
  name?: string;
}

/** A WeChat user who can be picked on the authorize page. */
export interface EmulatorUser {
  id: string;
  nickname: string;
  /** Empty string for "no avatar". A value starting with `/` is served by the emulator and resolved against its url. */
  headimgurl?: string;
  /** Kept for fixtures, but never returned: WeChat has answered 0 / '' since 2021-10-20. */
  sex?: 0 | 1 | 2;
  province?: string;
  city?: string;
  country?: string;
  unionid?: string;
  /** The visitor saw WeChat's snapshot page: virtual openid, `is_snapshotuser: 1`, userinfo answers 48001. */
  snapshot?: boolean;
}

export const DEFAULT_DOMAINS: readonly string[] = ['localhost', '127.0.0.1'];

/** Fixed credentials so logs, the CLI banner and `.env` files stay stable between runs. */
export const DEFAULT_EMULATOR_APP: EmulatorApp = {
  appId: 'wx5e0c1a7d93b2f4c6',
  appSecret: '3f9a0c2e7b51d48a96e0f1c3b7d25a84',
  domains: [...DEFAULT_DOMAINS],
  openPlatform: true,
  name: '测试公众号 Test Account',
};

/**
 * The test website app, of the same Open Platform account as DEFAULT_EMULATOR_APP: a test user's unionid is the
 * same through both, their openids differ.
 */
export const DEFAULT_EMULATOR_WEBSITE_APP: EmulatorApp = {
  appId: 'wx8d4b2e6f10a3c957',
  appSecret: 'c6e1f08a4d2b97e35a0f6c1d8b4e2a79',
  kind: 'website',
  domains: [...DEFAULT_DOMAINS],
  openPlatform: true,
  name: '测试网站应用 Test Website',
};

export const DEFAULT_EMULATOR_USERS: EmulatorUser[] = [
  {
    id: 'alice',
    nickname: '爱丽丝 Alice',
    headimgurl: '/avatar/alice/132',
    sex: 2,
    province: 'Guangdong',
    city: 'Shenzhen',
    country: 'CN',
    unionid: 'oAliceUn1onIdEmu1at0r0000001',
  },
  // No avatar, and no unionid: the fixture for code paths where those are absent.
  { id: 'bob', nickname: 'Bob', headimgurl: '' },
  { id: 'snapshot', nickname: '微信用户', headimgurl: '', snapshot: true },
];
