/**
 * Redis key names. Keys that one command or script touches together share a hash tag ({...}), so every
 * multi-key operation stays valid on Redis Cluster:
 * - one grant and its refresh lock: {grantId}
 * - all users of one app (record, openid/unionid indexes, id sequence): {appId:users}
 * States and code outcomes are single-key.
 */
export function createKeys(prefix, appId) {
    const base = `${prefix}:${appId}`;
    const users = `${prefix}:{${appId}:users}`;
    return {
        session: `${base}:sess:`,
        loginState: (nonce) => `${base}:state:${nonce}`,
        code: (codeHash) => `${base}:code:${codeHash}`,
        userSequence: `${users}:seq`,
        user: (id) => `${users}:id:${id}`,
        userByOpenid: (openid) => `${users}:openid:${openid}`,
        userByUnionid: (unionid) => `${users}:unionid:${unionid}`,
        grant: (grantId) => `${base}:grant:{${grantId}}`,
        grantLock: (grantId) => `${base}:grant:{${grantId}}:lock`,
    };
}
//# sourceMappingURL=keys.js.map