/**
 * Redis key names. Keys that one command or script touches together share a hash tag ({...}), so every
 * multi-key operation stays valid on Redis Cluster:
 * - one login's session, its grant and the grant's refresh lock: {sid} (a login's grant id is its session id)
 * A user's list of grants is tagged by the user id; signing out everywhere then touches each grant's {sid} apart.
 * - a state's used mark and the outcomes of the codes it brought: {nonce}
Rate-limit windows and user keys are single-key. Users are spread over the cluster, no slot holding them
 * all: each user's record is tagged by its id, the openid and unionid indexes by the openid and unionid. The id
 * sequence is one key, touched only by a user's first login. A person's id is claimed on one key (the unionid's
 * index when WeChat gave one, else the app's openid index), so concurrent first logins through two apps agree.
 * - the app's access token, jsapi_ticket, their refresh locks and the force_refresh quota: {appId:platform} (one
 *   app's few keys; a save writes a credential and gives its lock back in one script)
 */
export function createKeys(prefix: string, appId: string) {
  const base = `${prefix}:${appId}`;
  const sessionPrefix = `${base}:sess:`;
  return {
    /** The Official Account's appId, which namespaces every key. */
    appId,
    /** connect-redis's prefix; the session store appends `{sid}`. */
    sessionPrefix,
    /**
     * A state's single use: the state itself rides in the browser's cookie, only its use is marked here, for its
     * remaining life. The code outcomes of that state share its tag, so one script marks and claims.
     */
    stateUsed: (nonce: string) => `${base}:state-used:{${nonce}}`,
    code: (nonce: string, codeHash: string) => `${base}:code:{${nonce}}:${codeHash}`,
    /** Its name from when all users shared one tag: ids carry on from there, never reused. */
    userSequence: `${prefix}:{${appId}:users}:seq`,
    user: (id: number | string) => `${base}:user:{${id}}`,
    /** The Official Account's (appId's) openid index; `userByAppOpenid` for any app. */
    userByOpenid: (openid: string) => `${base}:openid:{${openid}}`,
    /**
     * An app's openid index: the Official Account's is `userByOpenid` (as 0.1.0 named it), another app's (the
     * website app) carries its appId, since openids are per app.
     */
    userByAppOpenid: (app: string, openid: string) => (app === appId ? `${base}:openid:{${openid}}` : `${base}:openid:${app}:{${openid}}`),
    userByUnionid: (unionid: string) => `${base}:unionid:{${unionid}}`,
    /** Where 0.1.0 kept users, all under one tag: read (never written) until a user logs in again. */
    legacyUser: (id: number | string) => `${prefix}:{${appId}:users}:id:${id}`,
    legacyUserByOpenid: (openid: string) => `${prefix}:{${appId}:users}:openid:${openid}`,
    legacyUserByUnionid: (unionid: string) => `${prefix}:{${appId}:users}:unionid:${unionid}`,
    grant: (grantId: string) => `${base}:grant:{${grantId}}`,
    grantLock: (grantId: string) => `${base}:grant:{${grantId}}:lock`,
    /** The session a grant belongs to (a login's grant id is its session id): the session store's key. */
    sessionOfGrant: (grantId: string) => `${sessionPrefix}{${grantId}}`,
    /** A user's grant ids (a sorted set by expiry), for signing the user out everywhere; tagged by the user id. */
    userGrants: (userId: number | string) => `${base}:user-grants:{${userId}}`,
    /**
     * A scan-to-sign-in ticket a phone has opened: one hash, every transition a script on this one key. A ticket
     * nobody opened has no key (it is a sealed value in the desktop's page).
     */
    scanTicket: (ticketId: string) => `${base}:scan:{${ticketId}}`,
    /** One sliding window per limit and client, tagged by both: limits spread over the cluster. */
    rateLimit: (name: string, key: string) => `${base}:rl:{${name}:${key}}`,
    /** The app access token or the jsapi_ticket (JSON, the value sealed). */
    platformCredential: (kind: string) => `${prefix}:{${appId}:platform}:${kind}`,
    platformLock: (kind: string) => `${prefix}:{${appId}:platform}:${kind}:lock`,
    /** force_refresh calls of the current (Beijing) day and the last one's time: a hash. */
    platformForceQuota: `${prefix}:{${appId}:platform}:force`,
  };
}

export type Keys = ReturnType<typeof createKeys>;
