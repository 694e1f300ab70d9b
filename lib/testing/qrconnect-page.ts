import type { AuthorizeRequest } from './authorize-request.js';
import type { EmulatorUser } from './fixtures.js';
import { escapeHtml, page } from './html.js';

export const QRCONNECT_PATH = '/connect/qrconnect';
export const QRCONNECT_CONFIRM_PATH = '/connect/qrconnect/confirm';

/**
 * The website app's sign-in page (open.weixin.qq.com/connect/qrconnect): WeChat shows a QR code for the phone to
 * scan, and the phone agrees. A desktop browser cannot scan, so the emulator stands in for the phone: pick the
 * test user whose phone scans, then allow (the browser goes back with a code) or cancel (it stays here).
 */
export function qrconnectPage(request: AuthorizeRequest, users: readonly EmulatorUser[]): string {
  const appName = request.app.name ?? request.app.appId;
  const choices = users
    .map((user, i) => {
      const avatar = user.headimgurl ? `<img src="${escapeHtml(user.headimgurl)}" alt="">` : '<span class="noavatar"></span>';
      const checked = i === 0 ? ' checked' : '';
      return `<li><label><input type="radio" name="user" value="${escapeHtml(user.id)}"${checked}>${avatar}<span>${escapeHtml(user.nickname)}<small>${escapeHtml(user.id)}</small></span></label></li>`;
    })
    .join('\n');
  const body = `<form class="card" method="post" action="${QRCONNECT_CONFIRM_PATH}">
<h1>微信登录 · ${escapeHtml(appName)}</h1>
<p class="sub">${escapeHtml(request.app.appId)} · snsapi_login</p>
<div class="qr" aria-label="QR code">${fakeQrSvg(request.state || request.app.appId)}</div>
<p class="scope">请使用微信扫描二维码登录<br><small>Scan with WeChat to sign in to ${escapeHtml(appName)}</small></p>
<p>模拟扫码的手机 The phone that scans (emulator)</p>
<ul class="users">
${choices || '<li>No users configured</li>'}
</ul>
<input type="hidden" name="query" value="${escapeHtml(request.rawQuery)}">
<div class="buttons">
<button class="allow" type="submit" name="consent" value="allow">扫码并允许 Scan and allow</button>
<button class="deny" type="submit" name="consent" value="deny">在手机上取消 Cancel on the phone</button>
</div>
</form>`;
  return page(`微信登录 ${appName}`, body);
}

/** The phone cancelled: WeChat's page says so and never calls the website back. */
export function qrconnectCancelledPage(): string {
  return page('微信登录', '<div class="card error"><h1>你已取消此次登录</h1><p>You cancelled this sign-in on the phone.</p></div>');
}

/**
 * wxLogin.js's iframe without `self_redirect=true`: WeChat sends the top window to the callback (the frame
 * itself would stay framed by the site).
 */
export function topRedirectPage(location: string): string {
  const target = JSON.stringify(location).replace(/</g, '\\u003c');
  return page('微信登录', `<p><a href="${escapeHtml(location)}" target="_top">Continue</a></p><script>window.top.location.href = ${target};</script>`);
}

/** A QR-looking pattern, stable per state: the emulator's code is not meant to be scanned. */
function fakeQrSvg(seed: string): string {
  let h = 2166136261;
  const cells: string[] = [];
  for (let y = 0; y < 21; y++) {
    for (let x = 0; x < 21; x++) {
      h = Math.imul(h ^ (seed.charCodeAt((x + y * 21) % seed.length) || 0), 16777619) >>> 0;
      const fx = x > 13 ? x - 14 : x;
      const fy = y > 13 ? y - 14 : y;
      const finder = fx < 7 && fy < 7 && !(x > 13 && y > 13);
      const ring = fx === 0 || fx === 6 || fy === 0 || fy === 6 || (fx >= 2 && fx <= 4 && fy >= 2 && fy <= 4);
      const on = finder ? ring : (h & 1) === 1;
      if (on) cells.push(`<rect x="${x}" y="${y}" width="1" height="1"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-1 -1 23 23" width="180" height="180" style="display:block;margin:12px auto;background:#fff">${cells.join('')}</svg>`;
}
