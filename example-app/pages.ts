/** The example app's HTML: mobile first (it is read inside WeChat), WeChat green, every user value escaped. */

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const APP_NAME = 'Teahouse';

const STYLE = `
:root{--green:#07c160;--green-dark:#06ad56;--bg:#ededed;--card:#fff;--text:#191919;--muted:#7f7f7f;--line:#e5e5e5}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Helvetica Neue","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
a{color:inherit}
.bar{position:sticky;top:0;z-index:1;background:rgba(237,237,237,.92);backdrop-filter:blur(8px);border-bottom:1px solid var(--line)}
.bar-inner{max-width:560px;margin:0 auto;height:52px;padding:0 16px;display:flex;align-items:center;justify-content:space-between}
.brand{display:flex;align-items:center;gap:10px;font-weight:600;font-size:17px;text-decoration:none}
.logo{width:30px;height:30px;border-radius:8px;background:var(--green);display:grid;place-items:center}
.logo svg{width:20px;height:20px}
.bar-link{font-size:15px;color:var(--green-dark);text-decoration:none;display:flex;align-items:center;gap:8px}
.bar-link img,.bar-link .initial{width:28px;height:28px;border-radius:50%;font-size:13px}
main{max-width:560px;margin:0 auto;padding:16px 16px 40px}
.card{background:var(--card);border-radius:12px;padding:24px 20px;margin-bottom:12px}
.hero{text-align:center;padding:36px 24px 28px}
.hero-mark{width:72px;height:72px;border-radius:20px;background:var(--green);display:grid;place-items:center;margin:0 auto 16px;box-shadow:0 8px 20px rgba(7,193,96,.25)}
.hero-mark svg{width:44px;height:44px}
h1{font-size:22px;line-height:1.3;margin:0 0 8px}
h2{font-size:15px;color:var(--muted);font-weight:500;margin:0 0 12px}
p{margin:0 0 12px}
.lead{color:#4c4c4c}
.muted{color:var(--muted);font-size:14px}
.btn{display:flex;align-items:center;justify-content:center;gap:8px;width:100%;border:0;border-radius:8px;padding:13px 20px;font:inherit;font-size:17px;font-weight:500;cursor:pointer;text-decoration:none}
.btn svg{width:22px;height:22px}
.btn-primary{background:var(--green);color:#fff}
.btn-primary:active,.btn-primary:hover{background:var(--green-dark)}
.btn-secondary{background:#f2f2f2;color:var(--text)}
.btn-secondary:hover{background:#e9e9e9}
.btn-danger{background:#f2f2f2;color:#fa5151}
.btn[disabled]{opacity:.6;cursor:progress}
.stack{display:grid;gap:12px;margin-top:20px}
.env{display:inline-flex;align-items:center;gap:6px;font-size:13px;color:var(--muted);background:#f7f7f7;border-radius:999px;padding:4px 12px;margin:4px 0 0}
.env::before{content:"";width:8px;height:8px;border-radius:50%;background:#c8c8c8}
.env.in-wechat::before{background:var(--green)}
.steps{list-style:none;margin:0;padding:0;counter-reset:step}
.steps li{counter-increment:step;display:grid;grid-template-columns:28px 1fr;gap:12px;padding:10px 0;border-top:1px solid #f2f2f2}
.steps li:first-child{border-top:0}
.steps li::before{content:counter(step);width:24px;height:24px;border-radius:50%;background:#e7f8ee;color:var(--green-dark);font-size:13px;font-weight:600;display:grid;place-items:center;margin-top:1px}
.steps li>div>b{display:block;font-weight:600}
.steps span{color:var(--muted);font-size:14px}
.notice{background:#fff8e6;color:#8a6100;border-radius:12px;padding:12px 16px;font-size:14px;margin-bottom:12px}
.notice code{white-space:nowrap}
.profile-head{display:flex;align-items:center;gap:16px}
.avatar,.initial{width:72px;height:72px;border-radius:12px;flex:none;object-fit:cover;background:#d8d8d8}
.initial{display:grid;place-items:center;background:#c8c8c8;overflow:hidden}
.initial svg{width:80%;height:80%;margin-top:20%}
.who{min-width:0}
.nickname{font-size:22px;font-weight:600;margin:0 0 4px;word-break:break-word}
.chip{display:inline-block;font-size:12px;color:var(--green-dark);background:#e7f8ee;border-radius:4px;padding:2px 8px}
.cells{margin:0;padding:0}
.cell{display:grid;grid-template-columns:minmax(110px,35%) 1fr;gap:12px;padding:12px 0;border-top:1px solid #f2f2f2}
.cell:first-child{border-top:0;padding-top:0}
.cell dt{color:var(--muted);font-size:15px}
.cell dd{margin:0;font-size:15px;word-break:break-all}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:14px}
.rel{display:block;color:var(--muted);font-size:13px}
.status{min-height:21px;font-size:14px;color:var(--muted);text-align:center;margin:12px 0 0}
.status:empty{display:none}
.status.ok{color:var(--green-dark)}.status.error{color:#fa5151}
footer{max-width:560px;margin:0 auto;padding:0 16px 32px;text-align:center;color:#b2b2b2;font-size:12px}
footer span{white-space:nowrap}
@media (min-width:600px){main{padding-top:32px}.hero{padding:48px 40px 36px}}
`;

/** WeChat's two speech bubbles, drawn for this example (not the trademark artwork). */
const BUBBLES = `<svg viewBox="0 0 48 48" aria-hidden="true"><path fill="#fff" d="M18.5 7C9.9 7 3 12.8 3 19.9c0 4 2.2 7.6 5.7 10l-1.4 4.4 5.1-2.6c1.9.6 3.9.9 6.1.9h.9a11.6 11.6 0 0 1-.5-3.3c0-7.1 6.8-12.8 15.3-12.8h.8C33.6 10.8 26.8 7 18.5 7Z"/><circle cx="13.2" cy="16.6" r="2" fill="#07c160"/><circle cx="23.8" cy="16.6" r="2" fill="#07c160"/><path fill="#fff" d="M45 29.4c0-5.9-5.9-10.7-13.1-10.7s-13.1 4.8-13.1 10.7 5.9 10.7 13.1 10.7c1.6 0 3.1-.2 4.5-.7l4.2 2.2-1.1-3.7c3.3-2 5.5-5.1 5.5-8.5Z"/><circle cx="27.4" cy="27.4" r="1.7" fill="#07c160"/><circle cx="36.4" cy="27.4" r="1.7" fill="#07c160"/></svg>`;

const SILHOUETTE = `<svg viewBox="0 0 40 40" aria-hidden="true"><circle cx="20" cy="15" r="7" fill="#fff"/><path fill="#fff" d="M6 36c0-7.7 6.3-12 14-12s14 4.3 14 12Z"/></svg>`;

export interface Viewer {
  nickname: string;
  headimgurl: string;
}

function layout(title: string, body: string, viewer: Viewer | null, script = ''): string {
  const right = viewer
    ? `<a class="bar-link" href="/profile">${avatar(viewer, 'small')}<span>${escapeHtml(viewer.nickname)}</span></a>`
    : '<a class="bar-link" href="/auth/wechat/login?returnTo=%2Fprofile" data-login="/profile">Sign in</a>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<meta name="theme-color" content="#ededed">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${APP_NAME}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="bar"><div class="bar-inner"><a class="brand" href="/"><span class="logo">${BUBBLES}</span>${APP_NAME}</a>${right}</div></header>
<main>${body}</main>
<footer><span>${APP_NAME} · an example of <b>wechat-official-login</b></span> · <span>微信网页授权示例</span></footer>
${script}
</body>
</html>`;
}

function avatar(user: Viewer, size: 'small' | 'large'): string {
  const attrs = size === 'large' ? ' id="avatar"' : '';
  if (user.headimgurl) {
    // WeChat's avatar CDN refuses hot-linked images that send a Referer.
    return `<img${attrs}${size === 'large' ? ' class="avatar"' : ''} src="${escapeHtml(user.headimgurl)}" alt="" referrerpolicy="no-referrer">`;
  }
  // WeChat's own look for "no avatar": a grey square with a white silhouette.
  return `<span class="initial no-avatar"${attrs} role="img" aria-label="No avatar">${SILHOUETTE}</span>`;
}

export interface HomePageOptions {
  viewer: Viewer | null;
  /** Shown when the built-in (or an external) emulator plays WeChat. */
  emulatorUrl: string | undefined;
  /** A website app is configured: computers sign in on WeChat's own QR page instead of our scan page. */
  websiteApp?: boolean;
}

export function homePage({ viewer, emulatorUrl, websiteApp = false }: HomePageOptions): string {
  const devNotice = emulatorUrl
    ? `<div class="notice" id="dev-notice"><b>Development mode.</b> WeChat is played by the built-in emulator at <code>${escapeHtml(emulatorUrl)}</code>: you pick a test user instead of scanning with a phone.</div>`
    : '';
  const hero = viewer
    ? `<section class="card hero">
<div class="hero-mark">${BUBBLES}</div>
<h1>Welcome back, ${escapeHtml(viewer.nickname)}</h1>
<p class="lead">You are signed in with WeChat.</p>
<div class="stack"><a class="btn btn-primary" href="/profile" id="profile-link">Go to your profile</a></div>
</section>`
    : `<section class="card hero">
<div class="hero-mark">${BUBBLES}</div>
<h1>Members' tea club, one tap away</h1>
<p class="lead">Sign in with the WeChat account you already have: no password, no new account to remember.</p>
<div class="stack">
<a class="btn btn-primary" id="login" href="/auth/wechat/login?returnTo=%2Fprofile" data-login="/profile">${BUBBLES}<span>Sign in with WeChat</span></a>
</div>
<p class="env" id="env">Checking your browser…</p>
</section>`;
  const how = `<section class="card">
<h2>How signing in works</h2>
<ol class="steps">
<li><div><b>Inside WeChat</b><span>Tap the button and allow access to your public profile (nickname and avatar). You come straight back here.</span></div></li>
${
  websiteApp
    ? `<li id="how-desktop"><div><b>On a computer</b><span>The button opens WeChat's own sign-in page (our website app at the WeChat Open Platform). Scan its QR code with WeChat on your phone and tap <b>Allow</b>: WeChat sends this browser back here, signed in. Inside WeChat and on a computer you are the same member (WeChat's unionid links the two).</span></div></li>`
    : `<li id="how-desktop"><div><b>On a computer</b><span>You get a one-time sign-in code. Scan it with WeChat on your phone (发现 → 扫一扫), check that the phone names this computer's browser, and tap <b>Confirm</b>: this page signs itself in, no reload. The code works once, for 2 minutes, and only for this browser; Cancel on the phone, or let it expire, and nobody is signed in.</span></div></li>`
}
<li><div><b>What we keep</b><span>Your openid for this site, your nickname and avatar. We never see your WeChat password or chats.</span></div></li>
</ol>
</section>`;
  const script = `<script type="module">
import { isWechatBrowser, login } from '/client.js';
const inWechat = isWechatBrowser();
const env = document.getElementById('env');
if (env) {
  env.textContent = inWechat ? 'You are in WeChat: one tap signs you in' : 'On a computer: scan a sign-in code with WeChat on your phone';
  env.classList.toggle('in-wechat', inWechat);
}
for (const link of document.querySelectorAll('[data-login]')) {
  link.addEventListener('click', (event) => {
    event.preventDefault();
    // Outside WeChat: WeChat's QR page of the website app, or our scan-to-sign-in page, which signs this browser
    // in once the phone confirms.
    login(link.dataset.login, { onNotWechat: ({ url }) => location.assign(${JSON.stringify(websiteApp ? '/auth/wechat/login?app=website&returnTo=' : '/auth/wechat/scan?returnTo=')} + encodeURIComponent(url)) });
  });
}
</script>`;
  return layout('Sign in with WeChat', `${devNotice}${hero}${how}`, viewer, script);
}

export interface ProfilePageOptions {
  viewer: Viewer;
  openid: string;
  unionid: string | null;
  scope: string;
  userId: number;
  /** ms since epoch; null when the grant is gone. */
  tokenExpiresAt: number | null;
  loggedInAt: number;
  loginValidUntil: number;
  /** WeChat's jweixin script (the emulator's stand-in in development): the JS-SDK card loads it inside WeChat. */
  jweixinUrl: string;
  /** In the emulator: its stand-in checks the signature, and the card says so. */
  emulated: boolean;
}

export function profilePage(p: ProfilePageOptions): string {
  const scopeLabel = p.scope === 'snsapi_userinfo' ? 'Profile (snsapi_userinfo)' : 'OpenID only (snsapi_base)';
  const cells: [string, string, string?][] = [
    ['OpenID', `<span class="mono" id="openid">${escapeHtml(p.openid)}</span>`],
    ['UnionID', p.unionid ? `<span class="mono" id="unionid">${escapeHtml(p.unionid)}</span>` : '<span class="muted">Not bound to an Open Platform account</span>'],
    ['Scope', `<span id="scope">${escapeHtml(p.scope)}</span>`],
    ['Access token expires', timeCell('token-expiry', p.tokenExpiresAt)],
    ['Signed in', timeCell('logged-in-at', p.loggedInAt)],
    ['Sign-in valid until', timeCell('login-valid-until', p.loginValidUntil)],
    ['Member no.', `<span id="user-id">${escapeHtml(p.userId)}</span>`],
  ];
  const body = `<section class="card">
<div class="profile-head">${avatar(p.viewer, 'large')}
<div class="who"><p class="nickname" id="nickname">${escapeHtml(p.viewer.nickname)}</p><span class="chip">${escapeHtml(scopeLabel)}</span></div>
</div>
</section>
<section class="card">
<dl class="cells">
${cells.map(([label, value]) => `<div class="cell"><dt>${escapeHtml(label)}</dt><dd>${value}</dd></div>`).join('\n')}
</dl>
</section>
<section class="card">
<div class="stack" style="margin-top:0">
<button class="btn btn-primary" type="button" id="refresh-profile">Refresh profile from WeChat</button>
<form method="post" action="/auth/wechat/logout" id="logout-form"><button class="btn btn-danger" type="submit" id="logout">Sign out</button></form>
</div>
<p class="status" id="status" role="status" aria-live="polite"></p>
</section>
<section class="card" id="jssdk-card" data-jweixin="${escapeHtml(p.jweixinUrl)}" data-emulated="${p.emulated ? '1' : '0'}">
<dl class="cells"><div class="cell"><dt>WeChat JS-SDK</dt><dd><span id="jssdk-status" class="muted">Only inside WeChat</span></dd></div></dl>
</section>`;
  return layout('Your profile', body, p.viewer, PROFILE_SCRIPT + JSSDK_SCRIPT);
}

function timeCell(id: string, ms: number | null): string {
  if (ms === null) return '<span class="muted">—</span>';
  return `<time id="${id}" datetime="${new Date(ms).toISOString()}">${escapeHtml(formatUtc(ms))}</time><span class="rel" data-rel-for="${id}"></span>`;
}

function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Local times, and the refresh button (a fresh profile from WeChat, and the token's new expiry). */
const PROFILE_SCRIPT = `<script type="module">
const $ = (id) => document.getElementById(id);
const status = $('status');
const say = (text, kind = '') => { status.textContent = text; status.className = 'status ' + kind; };

function relative(ms) {
  const minutes = Math.round((ms - Date.now()) / 60000);
  const abs = Math.abs(minutes);
  const text = abs < 1 ? 'now' : abs < 60 ? abs + ' min' : abs < 2880 ? Math.floor(abs / 60) + ' h ' + (abs % 60) + ' min' : Math.round(abs / 1440) + ' days';
  return minutes > 0 ? 'in ' + text : abs < 1 ? 'just now' : text + ' ago';
}
function showTime(id, iso) {
  const el = $(id);
  if (!el || !iso) return;
  const date = new Date(iso);
  el.dateTime = date.toISOString();
  el.textContent = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const rel = document.querySelector('[data-rel-for="' + id + '"]');
  if (rel) rel.textContent = relative(date.getTime());
}
for (const el of document.querySelectorAll('time[id]')) showTime(el.id, el.dateTime);

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 && body.loginUrl) { location.assign(body.loginUrl); throw new Error('login required'); }
  if (!response.ok) throw new Error(response.status === 503 ? 'WeChat is busy right now. Please try again in a moment.' : 'Could not refresh (' + response.status + ').');
  return body;
}

const refresh = $('refresh-profile');
refresh.addEventListener('click', async () => {
  refresh.disabled = true;
  say('Asking WeChat…');
  try {
    const profile = await getJson('/api/wechat-profile');
    $('nickname').textContent = profile.nickname || 'WeChat user';
    const avatar = $('avatar');
    if (profile.headimgurl && avatar) {
      const img = avatar.tagName === 'IMG' ? avatar : Object.assign(document.createElement('img'), { id: 'avatar', className: 'avatar', alt: '', referrerPolicy: 'no-referrer' });
      img.src = profile.headimgurl;
      if (img !== avatar) avatar.replaceWith(img);
    }
    const me = await getJson('/api/me');
    showTime('token-expiry', me.tokenExpiresAt && new Date(me.tokenExpiresAt).toISOString());
    say('Profile refreshed from WeChat at ' + new Date().toLocaleTimeString(), 'ok');
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  } catch (error) {
    if (error.message !== 'login required') say(error.message, 'error');
  } finally {
    refresh.disabled = false;
  }
});

</script>`;

/**
 * Inside WeChat: load jweixin (the page's job, not the client's), then configureJsSdk() signs this page with the
 * server's /auth/wechat/jssdk-config and calls wx.config. The emulator's stand-in verifies the signature itself.
 */
const JSSDK_SCRIPT = `<script type="module">
import { configureJsSdk, isWechatBrowser } from '/client.js';
const card = document.getElementById('jssdk-card');
const status = document.getElementById('jssdk-status');
const show = (text, state) => { status.textContent = text; status.className = 'status ' + (state === 'ready' ? 'ok' : state === 'error' ? 'error' : 'muted'); card.dataset.state = state; };
if (isWechatBrowser()) {
  show('Configuring…', 'pending');
  const script = Object.assign(document.createElement('script'), { src: card.dataset.jweixin });
  script.onload = () => configureJsSdk({ jsApiList: ['updateAppMessageShareData', 'scanQRCode'] }).then(
    (wx) => show(card.dataset.emulated === '1' && wx.emulatorVerified ? 'Ready: signature verified' : 'Ready (wx.ready)', 'ready'),
    (error) => show('Not configured: ' + error.message, 'error'),
  );
  script.onerror = () => show('Not configured: the jweixin script did not load', 'error');
  document.head.append(script);
}
</script>`;

export function notFoundPage(viewer: Viewer | null): string {
  return layout(
    'Not found',
    '<section class="card hero"><h1>Page not found</h1><p class="lead">There is nothing at this address.</p><div class="stack"><a class="btn btn-secondary" href="/">Back to the home page</a></div></section>',
    viewer,
  );
}

export function errorPage(viewer: Viewer | null): string {
  return layout(
    'Something went wrong',
    '<section class="card hero"><h1>Something went wrong</h1><p class="lead">Please try again in a moment.</p><div class="stack"><a class="btn btn-secondary" href="/">Back to the home page</a></div></section>',
    viewer,
  );
}
