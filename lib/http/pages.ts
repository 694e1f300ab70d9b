/** The few HTML pages the package answers with. Mobile first (they are read inside WeChat); all text escaped. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Helvetica Neue","Microsoft YaHei",sans-serif;
background:#f2f2f2;color:#1f1f1f;display:flex;min-height:100vh;align-items:center;justify-content:center;padding:24px}
main{background:#fff;border-radius:16px;box-shadow:0 8px 30px rgba(0,0,0,.08);max-width:420px;width:100%;padding:32px 28px;text-align:center}
h1{font-size:22px;margin:0 0 8px}p{color:#555;margin:8px 0 16px}.muted{color:#888;font-size:14px}
.btn{display:inline-block;border:0;border-radius:8px;background:#07c160;color:#fff;font-size:16px;padding:12px 28px;text-decoration:none;cursor:pointer;margin:6px}
.btn.secondary{background:#f2f2f2;color:#1f1f1f}.qr{width:220px;height:220px;margin:8px auto 4px;padding:10px;border:1px solid #eee;border-radius:12px}
.qr svg{width:100%;height:100%}.badge{display:inline-block;width:56px;height:56px;border-radius:50%;background:#07c160;color:#fff;font-size:30px;line-height:56px;margin-bottom:12px}
.url{word-break:break-all;font-size:13px;color:#888}`;

export interface PageOptions {
  title: string;
  body: string;
  /** Navigate here at once (a fresh login after a stale callback). */
  refreshTo?: string;
}

export function page({ title, body, refreshTo }: PageOptions): string {
  const refresh = refreshTo ? `<meta http-equiv="refresh" content="0;url=${escapeHtml(refreshTo)}">` : '';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">${refresh}<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export function messagePage(title: string, message: string, action?: { href: string; label: string }): string {
  const button = action ? `<a class="btn" href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a>` : '';
  return page({ title, body: `<div class="badge">!</div><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${button}` });
}

export interface QrPageOptions {
  /** The page to open in WeChat. */
  url: string;
  /** The QR code as an SVG document. */
  qrSvg: string;
  /** Shown only when the WeChat emulator plays WeChat (development). */
  emulatorLoginHref?: string | undefined;
}

export function qrPage({ url, qrSvg, emulatorLoginHref }: QrPageOptions): string {
  const emulator = emulatorLoginHref
    ? `<p class="muted">Development: no phone needed.</p><a class="btn secondary" id="emulator-login" href="${escapeHtml(emulatorLoginHref)}">Continue in the WeChat emulator</a>`
    : '';
  return page({
    title: 'Open in WeChat · 请在微信中打开',
    body: `<div class="badge" aria-hidden="true"><svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" style="vertical-align:middle"><path d="M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3M4 12h16"/></svg></div><h1>Open this page in WeChat</h1>
<p>请使用微信扫一扫打开此页面。<br>Scan the code with WeChat to open this page on your phone and sign in there. This computer stays signed out.</p>
<div class="qr" id="qr" data-url="${escapeHtml(url)}">${qrSvg}</div>
<p class="url">${escapeHtml(url)}</p>${emulator}`,
  });
}

export function snapshotPage(): string {
  return page({
    title: '请使用完整服务',
    body: `<div class="badge">i</div><h1>请点击“使用完整服务”</h1>
<p>You are viewing a preview (snapshot) of this page. Tap <b>使用完整服务</b> (Use full service) at the bottom of the screen to sign in with WeChat.</p>`,
  });
}

export function logoutConfirmPage(action: string): string {
  return page({
    title: 'Sign out',
    body: `<h1>Sign out?</h1><p>You will need WeChat to sign in again.</p>
<form method="post" action="${escapeHtml(action)}"><button class="btn" type="submit">Sign out</button></form>`,
  });
}
