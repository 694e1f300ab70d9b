import { escapeHtml, plain, renderPage, text, textWithHtml, type PageView } from '../http/pages.js';
import type { PageStringKey } from '../config/page-strings.js';

/** The scan-to-sign-in pages: the desktop's code (with its live status), the phone's confirm page and outcomes. */

const SCAN_STYLE = `
.digits{font-size:40px;font-weight:700;letter-spacing:6px;margin:4px 0 12px;color:#1f1f1f}
.facts{display:grid;grid-template-columns:auto 1fr;gap:6px 16px;text-align:left;background:#f7f7f7;border-radius:12px;padding:14px 16px;margin:12px 0 16px}
.facts dt{color:#888}.facts dd{margin:0;font-weight:600;word-break:break-word}
.status{min-height:48px}.status[data-state=scanned],.status[data-state=confirmed]{color:var(--accent);font-weight:600}
.status[data-state=cancelled],.status[data-state=expired]{color:#d93025;font-weight:600}
.picks{display:flex;gap:12px;justify-content:center}.picks .btn{font-size:24px;min-width:72px}
#scan:not([data-state=waiting]) .qr{opacity:.2;transition:opacity .3s}.warn{font-size:14px;color:#8a6d3b;background:#fcf8e3;border-radius:8px;padding:8px 12px}
`;

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

const STATES = ['waiting', 'scanned', 'confirmed', 'completed', 'cancelled', 'expired', 'forbidden'] as const;
type ScanState = (typeof STATES)[number];
const titleKey = (state: ScanState) => `scan.${state}Title` as PageStringKey;
const textKey = (state: ScanState) => `scan.${state}` as PageStringKey;

/** "2 min" / "90 s", in this language. */
function duration(view: PageView, seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0 ? plain(view, 'scan.minutes', { n: seconds / 60 }) : plain(view, 'scan.seconds', { n: seconds });
}

export function desktopScanPage(view: PageView, o: DesktopScanPageOptions): string {
  const digits = o.digits
    ? `<p class="muted" id="scan-digits-label">${text(view, 'scan.digitsLabel')}</p><div class="digits" id="scan-digits">${escapeHtml(o.digits)}</div>`
    : '';
  const data = {
    events: o.eventsUrl,
    status: o.statusUrl,
    complete: o.completeUrl,
    renew: o.renewUrl,
    renewalsLeft: o.renewalsLeft,
    // The live states' text, in this page's language, for the script.
    text: Object.fromEntries(STATES.map((s) => [s, [plain(view, titleKey(s)), plain(view, textKey(s))]])),
    newCode: plain(view, 'scan.newCode'),
  };
  const emulator = o.emulatorHint
    ? `<p class="muted" id="scan-dev">${escapeHtml(o.emulatorHint)}<br><span class="url" id="scan-url">${escapeHtml(o.ticketUrl)}</span></p>`
    : '';
  const openInWechat = `<a id="open-in-wechat" href="${escapeHtml(o.openInWechatUrl)}">${text(view, 'scan.openInWechat')}</a>`;
  return renderPage(
    view,
    { kind: 'scan-desktop', ...o, script: DESKTOP_SCRIPT },
    {
      title: plain(view, 'scan.pageTitle'),
      style: SCAN_STYLE,
      body: `<div id="scan" data-state="${o.state}" data-config="${escapeHtml(JSON.stringify(data))}">
<h1 id="scan-title">${text(view, titleKey(o.state))}</h1>
<div class="qr" id="qr" data-url="${escapeHtml(o.ticketUrl)}">${o.qrSvg}</div>
${digits}
<p class="status" id="scan-status" data-state="${o.state}" role="status" aria-live="polite">${text(view, textKey(o.state))}</p>
<p id="scan-actions"><a class="btn secondary" id="scan-check" href="${escapeHtml(o.checkUrl)}">${text(view, 'scan.checkAgain')}</a></p>
<p class="muted">${text(view, 'scan.lifetime', { duration: duration(view, o.ttlSeconds) })}<br>
${textWithHtml(view, 'scan.orOpenInWechat', { link: openInWechat })}</p>${emulator}
</div>`,
      script: DESKTOP_SCRIPT,
    },
  );
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
const TEXT = cfg.text;
let done = false;
function newCodeButton() {
  actions.innerHTML = '';
  const a = document.createElement('a');
  a.className = 'btn'; a.id = 'scan-new-code'; a.href = cfg.renew; a.textContent = cfg.newCode;
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

export function phoneConfirmPage(view: PageView, o: PhoneConfirmPageOptions): string {
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(o.csrfToken)}">`;
  const confirm = o.picks.length
    ? `<p>${text(view, 'confirm.pick')}</p><div class="picks">${o.picks
        .map(
          (n) =>
            `<form class="inline" method="post" action="${escapeHtml(o.confirmAction)}">${csrf}<input type="hidden" name="pick" value="${escapeHtml(n)}"><button class="btn" type="submit" data-pick="${escapeHtml(n)}">${escapeHtml(n)}</button></form>`,
        )
        .join('')}</div>`
    : `<form class="inline" method="post" action="${escapeHtml(o.confirmAction)}">${csrf}<button class="btn" id="scan-confirm" type="submit">${text(view, 'confirm.submit')}</button></form>`;
  return renderPage(
    view,
    {
      kind: 'scan-confirm',
      desktop: { description: o.desktop, shownAt: o.shownAt },
      host: o.host,
      confirmAction: o.confirmAction,
      cancelAction: o.cancelAction,
      csrfField: csrf,
      picks: o.picks,
    },
    {
      title: plain(view, 'confirm.pageTitle'),
      style: SCAN_STYLE,
      body: `<div class="badge" aria-hidden="true">⌨</div><h1>${text(view, 'confirm.title')}</h1>
<p>${textWithHtml(view, 'confirm.text', { host: `<b>${escapeHtml(o.host)}</b>` })}</p>
<dl class="facts"><dt>${text(view, 'confirm.computer')}</dt><dd id="scan-desktop">${escapeHtml(describeDesktop(view, o.desktop))}</dd>
<dt>${text(view, 'confirm.shown')}</dt><dd id="scan-shown"><time datetime="${new Date(o.shownAt).toISOString()}">${escapeHtml(ago(view, o.now - o.shownAt))}</time></dd>
<dt>${text(view, 'confirm.site')}</dt><dd id="scan-host">${escapeHtml(o.host)}</dd></dl>
<p class="warn">${text(view, 'confirm.warning')}</p>
${confirm}
<form class="inline" method="post" action="${escapeHtml(o.cancelAction)}">${csrf}<button class="btn secondary" id="scan-cancel" type="submit">${text(view, 'confirm.cancel')}</button></form>`,
    },
  );
}

/**
 * The computer in this page's language. The ticket keeps describeUserAgent()'s English ("Chrome on Windows",
 * "A browser on Linux", "An unknown browser"), which is what onScanConfirm receives; only the page translates.
 */
function describeDesktop(view: PageView, description: string): string {
  if (description === 'An unknown browser') return plain(view, 'confirm.unknownBrowser');
  const some = /^A browser on (.+)$/.exec(description);
  if (some) return plain(view, 'confirm.aBrowserOnSystem', { system: some[1]! });
  const both = /^(.+) on (.+)$/.exec(description);
  return both ? plain(view, 'confirm.browserOnSystem', { browser: both[1]!, system: both[2]! }) : description;
}

function ago(view: PageView, ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 5) return plain(view, 'confirm.justNow');
  if (seconds < 60) return plain(view, 'confirm.secondsAgo', { n: seconds });
  return plain(view, 'confirm.minutesAgo', { n: Math.round(seconds / 60) });
}

export type PhoneOutcome = 'confirmed' | 'cancelled' | 'mismatch' | 'vetoed' | 'taken' | 'expired' | 'used';
const PHONE_BADGES: Record<PhoneOutcome, string> = { confirmed: '✓', cancelled: '×', mismatch: '!', vetoed: '!', taken: '!', expired: '!', used: '✓' };

export function phoneOutcomePage(view: PageView, kind: PhoneOutcome, continueHref: string): string {
  const title = plain(view, `phone.${kind}Title` as PageStringKey);
  return renderPage(
    view,
    { kind: 'scan-phone-outcome', outcome: kind, continueHref },
    {
      title,
      body: `<div class="badge" aria-hidden="true">${PHONE_BADGES[kind]}</div><h1 id="scan-outcome" data-outcome="${kind}">${escapeHtml(title)}</h1><p>${text(view, `phone.${kind}` as PageStringKey)}</p>
<a class="btn${kind === 'confirmed' ? '' : ' secondary'}" id="scan-continue" href="${escapeHtml(continueHref)}">${text(view, 'phone.continue')}</a>`,
    },
  );
}

/** A desktop browser (no WeChat) opened a ticket URL: nothing happens to the ticket, nobody is signed in. */
export function openWithWechatPage(view: PageView): string {
  return renderPage(
    view,
    { kind: 'scan-open-with-wechat' },
    {
      title: plain(view, 'phone.notWechatTitle'),
      body: `<div class="badge" aria-hidden="true">!</div><h1 id="scan-outcome" data-outcome="not-wechat">${text(view, 'phone.notWechatTitle')}</h1>
<p>${text(view, 'phone.notWechat')}</p>`,
    },
  );
}

/** The desktop's own outcomes without JavaScript (and for a code of another browser). */
export function desktopOutcomePage(view: PageView, kind: 'cancelled' | 'expired' | 'forbidden', newCodeHref: string): string {
  const title = plain(view, titleKey(kind));
  return renderPage(
    view,
    { kind: 'scan-desktop-outcome', outcome: kind, newCodeHref },
    {
      title,
      style: SCAN_STYLE,
      body: `<h1 id="scan-title">${escapeHtml(title)}</h1><p class="status" id="scan-status" data-state="${kind}">${text(view, textKey(kind))}</p>
<a class="btn" id="scan-new-code" href="${escapeHtml(newCodeHref)}">${text(view, 'scan.newCode')}</a>`,
    },
  );
}
