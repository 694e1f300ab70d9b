/**
 * Redis key names. Keys that one command or script touches together share a hash tag ({...}), so every
 * multi-key operation stays valid on Redis Cluster:
 * - one login's session, its grant and the grant's refresh lock: {sid} (a login's grant id is its session id)
 * - all users of one app (record, openid/unionid indexes, id sequence): {appId:users}
 * States and code outcomes are single-key.
 */
export function createKeys(prefix: string, appId: string) {
  const base = `${prefix}:${appId}`;
  const users = `${prefix}:{${appId}:users}`;
  return {
    /** connect-redis's prefix; the session store appends `{sid}`. */
    sessionPrefix: `${base}:sess:`,
    loginState: (nonce: string) => `${base}:state:${nonce}`,
    code: (codeHash: string) => `${base}:code:${codeHash}`,
    userSequence: `${users}:seq`,
    user: (id: number) => `${users}:id:${id}`,
    userByOpenid: (openid: string) => `${users}:openid:${openid}`,
    userByUnionid: (unionid: string) => `${users}:unionid:${unionid}`,
    grant: (grantId: string) => `${base}:grant:{${grantId}}`,
    grantLock: (grantId: string) => `${base}:grant:{${grantId}}:lock`,
  };
}

export type Keys = ReturnType<typeof createKeys>;
