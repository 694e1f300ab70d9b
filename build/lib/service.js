import { createWechatApiClient } from './api-client.js';
import { WECHAT_ERRCODES, hasErrcode } from './errors.js';
/**
 * @example
 * const service = createWechatService({ appId, appSecret });
 * const profile = await service.getUserInfo(String(req.query.code));
 */
export function createWechatService(options) {
    const client = createWechatApiClient(options);
    const lang = options.lang ?? 'zh_CN';
    return {
        ...client,
        getAccessToken: (code) => client.exchangeCode(code),
        async getUserInfo(code) {
            const tokens = await client.exchangeCode(code);
            return profileFromTokens(client, tokens, lang);
        },
    };
}
/** The profile a token grants: /sns/userinfo for a real userinfo grant, the token's own ids otherwise. */
export async function profileFromTokens(client, tokens, lang) {
    const ids = { openid: tokens.openid, ...(tokens.unionid ? { unionid: tokens.unionid } : {}) };
    if (!hasUserinfoScope(tokens.scope) || tokens.is_snapshotuser === 1)
        return ids;
    try {
        const info = await client.fetchUserInfo(tokens.access_token, tokens.openid, lang);
        return {
            openid: info.openid,
            ...(info.unionid ?? tokens.unionid ? { unionid: info.unionid ?? tokens.unionid } : {}),
            nickname: info.nickname,
            headimgurl: info.headimgurl,
            sex: info.sex,
            province: info.province,
            city: info.city,
            country: info.country,
        };
    }
    catch (error) {
        // A snapshot-page token can claim userinfo scope and still be refused: the ids are all there is.
        if (hasErrcode(error, WECHAT_ERRCODES.API_UNAUTHORIZED))
            return ids;
        throw error;
    }
}
export function hasUserinfoScope(scope) {
    return (scope ?? '').split(',').includes('snsapi_userinfo');
}
//# sourceMappingURL=service.js.map