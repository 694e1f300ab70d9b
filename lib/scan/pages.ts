import { escapeHtml, page } from '../http/pages.js';

/** The scan-to-sign-in pages: the desktop's code (with its live status), the phone's confirm page and outcomes. */

const SCAN_STYLE = `<style>
.digits{font-size:40px;font-weight:700;letter-spacing:6px;margin:4px 0 12px;color:#1f1f1f}
.facts{display:grid;grid-template-columns:auto 1fr;gap:6px 16px;text-align:left;background:#f7f7f7;border-radius:12px;padding:14px 16px;margin:12px 0 16px}
.facts dt{color:#888}.facts dd{margin:0;font-weight:600;word-break:break-word}
.status{min-height:48px}.status[data-state=scanned],.status[data-state=confirmed]{color:#07c160;font-weight:600}
.status[data-state=cancelled],.status[data-state=expired]{color:#d93025;font-weight:600}
.picks{display:flex;gap:12px;justify-content:center}.picks .btn{font-size:24px;min-width:72px}
#scan:not([data-state=waiting]) .qr{opacity:.2;transition:opacity .3s}form.inline{display:inline}.warn{font-size:14px;color:#8a6d3b;background:#fcf8e3;border-radius:8px;padding:8px 12px}
</style>`;

export interface DesktopScanPageOptions {
  ticketId: string;
  /** The ticket URL the QR code holds, shown as a link too. */
  ticketUrl: string;
  qrSvg: string;
  digits: string;
  /** The state to show first (a "check again" can land on scanned). */
  state: 'waiting' | 'scanned';
  eventsUrl: string;
  statusUrl: string;
  completeUrl: string;
  /** The no-JavaScript "check again": this page for the same code. */
  checkUrl: string;
  /** A fresh code (used by the page itself after expiry, `renewalsLeft` times; a button afterwards). */
  renewUrl: string;
  renewalsLeft: number;
  /** "Open this page in WeChat" instead: the plain QR page of the page itself. */
  openInWechatUrl: string;
  ttlSeconds: number;
  emulatorHint?: string | undefined;
}

const STATE_TEXT = {
  waiting: ['Scan with WeChat to sign in', 'Open WeChat on your phone, tap ⊕ → Scan, and point it at this code. 请使用微信扫一扫登录。'],
  scanned: ['Scanned — confirm on your phone', 'Tap Confirm on your phone to sign in on this computer. 请在手机上确认登录。'],
} as const;

export function desktopScanPage(o: DesktopScanPageOptions): string {
  const [title, text] = STATE_TEXT[o.state];
  const digits = o.digits
    ? `<p class="muted" id="scan-digits-label">On your phone, pick this number:</p><div class="digits" id="scan-digits">${escapeHtml(o.digits)}</div>`
    : '';
  const data = {
    events: o.eventsUrl,
    status: o.statusUrl,
    complete: o.completeUrl,
    renew: o.renewUrl,
    renewalsLeft: o.renewalsLeft,
  };
  const emulator = o.emulatorHint
    ? `<p class="muted" id="scan-dev">${escapeHtml(o.emulatorHint)}<br><span class="url" id="scan-url">${escapeHtml(o.ticketUrl)}</span></p>`
    : '';
  return page({
    title: 'Sign in with WeChat · 微信扫码登录',
    body: `${SCAN_STYLE}<div id="scan" data-state="${o.state}" data-config="${escapeHtml(JSON.stringify(data))}">
<h1 id="scan-title">${escapeHtml(title)}</h1>
<div class="qr" id="qr" data-url="${escapeHtml(o.ticketUrl)}">${o.qrSvg}</div>
${digits}
<p class="status" id="scan-status" data-state="${o.state}" role="status" aria-live="polite">${escapeHtml(text)}</p>
<p id="scan-actions"><a class="btn secondary" id="scan-check" href="${escapeHtml(o.checkUrl)}">Check again</a></p>
<p class="muted">The code works once, for ${Math.round(o.ttlSeconds / 60) >= 1 && o.ttlSeconds % 60 === 0 ? `${o.ttlSeconds / 60} minute${o.ttlSeconds === 60 ? '' : 's'}` : `${o.ttlSeconds} seconds`}, and only signs in this browser.<br>
Or <a id="open-in-wechat" href="${escapeHtml(o.openInWechatUrl)}">open this page in WeChat</a> instead.</p>${emulator}
</div><script>${DESKTOP_SCRIPT}</script>`,
  });
}

/**
 * Live status without a reload: Server-Sent Events, with polling of the JSON status as the fallback. On
 * "confirmed" the page goes to the sign-in; an expired code is replaced by a fresh one a bounded number of times.
 */
const DESKTOP_SCRIPT = `(() => {
const root = document.getElementById('scan');
const cfg = JSON.parse(root.dataset.config);
const statusEl = document.getElementById('scan-status');
const titleEl = document.getElementById('scan-title');
const actions = document.getElementById('scan-actions');
const TEXT = {
  waiting: ['Scan with WeChat to sign in', 'Open WeChat on your phone, tap ⊕ → Scan, and point it at this code. 请使用微信扫一扫登录。'],
  scanned: ['Scanned — confirm on your phone', 'Tap Confirm on your phone to sign in on this computer. 请在手机上确认登录。'],
  confirmed: ['Confirmed', 'Signing you in… 正在登录…'],
  completed: ['Signed in', 'Taking you back… 已登录。'],
  cancelled: ['Sign-in cancelled', 'It was cancelled on the phone. 已在手机上取消。'],
  expired: ['This code has expired', 'Get a new code to try again. 二维码已过期。'],
  forbidden: ['This code belongs to another browser', 'Get a new code here.'],
};
let done = false;
function newCodeButton() {
  actions.innerHTML = '';
  const a = document.createElement('a');
  a.className = 'btn'; a.id = 'scan-new-code'; a.href = cfg.renew; a.textContent = 'Get a new code';
  actions.appendChild(a);
}
function show(state) {
  if (done || !TEXT[state]) return;
  statusEl.dataset.state = state;
  root.dataset.state = state;
  titleEl.textContent = TEXT[state][0];
  statusEl.textContent = TEXT[state][1];
  if (state === 'confirmed' || state === 'completed') { done = true; location.assign(cfg.complete); return; }
  if (state === 'cancelled' || state === 'forbidden') { done = true; newCodeButton(); return; }
  if (state === 'expired') {
    done = true;
    if (cfg.renewalsLeft > 0) location.replace(cfg.renew); else newCodeButton();
  }
}
let polling = false;
function poll() {
  if (polling || done) return;
  polling = true;
  const tick = async () => {
    if (done) return;
    let delay = 1500;
    try {
      const response = await fetch(cfg.status, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (response.status === 429) delay = 5000;
      else { const body = await response.json(); show(body.state); }
    } catch { delay = 3000; }
    setTimeout(tick, delay);
  };
  tick();
}
if ('EventSource' in window) {
  const source = new EventSource(cfg.events);
  source.addEventListener('state', (event) => {
    const { state } = JSON.parse(event.data);
    show(state);
    if (done) source.close();
  });
  source.onerror = () => { if (done) return; source.close(); poll(); };
} else {
  poll();
}
})();`;

export interface PhoneConfirmPageOptions {
  desktop: string;
  host: string;
  /** When the desktop's code was shown, and now: "shown 12 seconds ago". */
  shownAt: number;
  now: number;
  confirmAction: string;
  cancelAction: string;
  csrfToken: string;
  /** With number matching: three numbers, one of them the desktop's. */
  picks: string[];
}

export function phoneConfirmPage(o: PhoneConfirmPageOptions): string {
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(o.csrfToken)}">`;
  const confirm = o.picks.length
    ? `<p>Pick the number shown on your computer:</p><div class="picks">${o.picks
        .map(
          (n) =>
            `<form class="inline" method="post" action="${escapeHtml(o.confirmAction)}">${csrf}<input type="hidden" name="pick" value="${escapeHtml(n)}"><button class="btn" type="submit" data-pick="${escapeHtml(n)}">${escapeHtml(n)}</button></form>`,
        )
        .join('')}</div>`
    : `<form class="inline" method="post" action="${escapeHtml(o.confirmAction)}">${csrf}<button class="btn" id="scan-confirm" type="submit">Confirm 确认登录</button></form>`;
  return page({
    title: 'Sign in on your computer? · 确认登录',
    body: `${SCAN_STYLE}<div class="badge" aria-hidden="true">⌨</div><h1>Sign in on your computer?</h1>
<p>A computer is asking to sign in to <b>${escapeHtml(o.host)}</b> with your WeChat account. 电脑端请求使用你的微信登录。</p>
<dl class="facts"><dt>Computer</dt><dd id="scan-desktop">${escapeHtml(o.desktop)}</dd>
<dt>Code shown</dt><dd id="scan-shown"><time datetime="${new Date(o.shownAt).toISOString()}">${escapeHtml(ago(o.now - o.shownAt))}</time></dd>
<dt>Site</dt><dd id="scan-host">${escapeHtml(o.host)}</dd></dl>
<p class="warn">Only confirm if you just scanned this code on a computer in front of you. Never for a code someone sent you.</p>
${confirm}
<form class="inline" method="post" action="${escapeHtml(o.cancelAction)}">${csrf}<button class="btn secondary" id="scan-cancel" type="submit">Cancel 取消</button></form>`,
  });
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} seconds ago`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
}

export function phoneOutcomePage(kind: 'confirmed' | 'cancelled' | 'mismatch' | 'vetoed' | 'taken' | 'expired' | 'used', continueHref: string): string {
  const [badge, title, text] = {
    confirmed: ['✓', 'Signed in on your computer', 'Your computer is signing in now. You are signed in on this phone too. 电脑端已登录。'],
    cancelled: ['×', 'Sign-in cancelled', 'Your computer was not signed in. 已取消登录。'],
    mismatch: ['!', 'That was not the number', 'The computer was not signed in and its code no longer works. If you did not start this sign-in yourself, someone may have sent you their code.'],
    vetoed: ['!', 'Not allowed', 'This account may not sign in on a computer. 该账号不能在电脑端登录。'],
    taken: ['!', 'Code already used', 'This code was scanned by another phone. Get a new code on your computer. 二维码已被其他手机使用。'],
    expired: ['!', 'This code has expired', 'Get a new code on your computer and scan it again. 二维码已过期。'],
    used: ['✓', 'Already done', 'This code has already been used. 二维码已使用。'],
  }[kind];
  return page({
    title,
    body: `<div class="badge" aria-hidden="true">${badge}</div><h1 id="scan-outcome" data-outcome="${kind}">${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>
<a class="btn${kind === 'confirmed' ? '' : ' secondary'}" id="scan-continue" href="${escapeHtml(continueHref)}">Continue on this phone</a>`,
  });
}

/** A desktop browser (no WeChat) opened a ticket URL: nothing happens to the ticket, nobody is signed in. */
export function openWithWechatPage(): string {
  return page({
    title: 'Scan with WeChat · 请使用微信扫码',
    body: `<div class="badge" aria-hidden="true">!</div><h1 id="scan-outcome" data-outcome="not-wechat">Scan this code with WeChat</h1>
<p>This sign-in code only works when scanned with WeChat on your phone. Opening it here signs nobody in. 请使用微信扫一扫。</p>`,
  });
}

/** The desktop's own outcomes without JavaScript (and for a code of another browser). */
export function desktopOutcomePage(kind: 'cancelled' | 'expired' | 'forbidden', newCodeHref: string): string {
  const [title, text] = {
    cancelled: ['Sign-in cancelled', 'It was cancelled on the phone. 已在手机上取消。'],
    expired: ['This code has expired', 'Get a new code to try again. 二维码已过期。'],
    forbidden: ['This code belongs to another browser', 'A sign-in code only signs in the browser that showed it. Get a new code here.'],
  }[kind];
  return page({
    title,
    body: `${SCAN_STYLE}<h1 id="scan-title">${escapeHtml(title)}</h1><p class="status" id="scan-status" data-state="${kind}">${escapeHtml(text)}</p>
<a class="btn" id="scan-new-code" href="${escapeHtml(newCodeHref)}">Get a new code</a>`,
  });
}
