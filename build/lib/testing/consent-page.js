import { escapeHtml, page } from './html.js';
export const CONFIRM_PATH = '/connect/oauth2/authorize/confirm';
/**
 * WeChat's consent popup, plus the one thing a desktop browser needs that WeChat knows by itself:
 * which user is looking. For snsapi_base it is only that user picker, since the real flow is silent.
 */
export function consentPage(request, users, selectedUserId) {
    const appName = request.app.name ?? request.app.appId;
    const userinfo = request.scope === 'snsapi_userinfo';
    const selected = users.some((u) => u.id === selectedUserId) ? selectedUserId : users[0]?.id;
    const choices = users
        .map((user) => {
        const avatar = user.headimgurl
            ? `<img src="${escapeHtml(user.headimgurl)}" alt="">`
            : '<span class="noavatar"></span>';
        const checked = user.id === selected ? ' checked' : '';
        return `<li><label><input type="radio" name="user" value="${escapeHtml(user.id)}"${checked}>${avatar}<span>${escapeHtml(user.nickname)}<small>${escapeHtml(user.id)}</small></span></label></li>`;
    })
        .join('\n');
    const buttons = userinfo
        ? '<button class="allow" type="submit" name="consent" value="allow">允许 Allow</button>\n<button class="deny" type="submit" name="consent" value="deny">拒绝 Deny</button>'
        : '<button class="allow" type="submit" name="consent" value="allow">继续 Continue</button>';
    const scopeText = userinfo
        ? '<p class="scope">申请获取以下权限：<br>获得你的公开信息（昵称、头像等）<br><small>Your public profile (nickname, avatar)</small></p>'
        : '<p class="scope">静默授权，仅获取你的 openid<br><small>Silent authorization (snsapi_base): only your openid. Pick who is using this browser.</small></p>';
    const body = `<form class="card" method="post" action="${CONFIRM_PATH}">
<h1>${escapeHtml(appName)}</h1>
<p class="sub">${escapeHtml(request.app.appId)} · ${escapeHtml(request.scope)}</p>
${scopeText}
<p>选择测试用户 Choose a test user</p>
<ul class="users">
${choices || '<li>No users configured</li>'}
</ul>
<input type="hidden" name="query" value="${escapeHtml(request.rawQuery)}">
<div class="buttons">
${buttons}
</div>
</form>`;
    return page(`${appName} 授权`, body);
}
/** WeChat answers a bad authorize request with a page (HTTP 200), never with a redirect. */
export function errorPage(error) {
    const body = `<div class="card error">
<h1>${escapeHtml(error.wechatMessage)}</h1>
<p class="errcode">错误码：${error.errcode}</p>
<p>${escapeHtml(error.message)}</p>
</div>`;
    return page('出错了', body);
}
/** For emulator-only mistakes (an unknown test user) that have no WeChat error code. */
export function problemPage(message) {
    return page('出错了', `<div class="card error"><h1>${escapeHtml(message)}</h1></div>`);
}
//# sourceMappingURL=consent-page.js.map