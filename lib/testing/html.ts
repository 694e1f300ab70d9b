const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every value that reaches the emulator's HTML goes through this. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

/** A phone-sized page in WeChat's colours. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<title>${escapeHtml(title)}</title>
<style>input[type=radio]{accent-color:#07c160}
  body { margin: 0; font-family: -apple-system, "PingFang SC", "Helvetica Neue", sans-serif; background: #ededed; color: #191919; }
  main { max-width: 480px; margin: 0 auto; padding: 24px 16px; }
  .card { background: #fff; border-radius: 8px; padding: 20px 16px; }
  h1 { font-size: 17px; margin: 0 0 4px; text-align: center; }
  .sub { color: #7f7f7f; font-size: 14px; text-align: center; margin: 0 0 16px; }
  .scope { border-top: 1px solid #e5e5e5; border-bottom: 1px solid #e5e5e5; padding: 12px 0; font-size: 15px; }
  .users { list-style: none; padding: 0; margin: 12px 0; }
  .users label { display: flex; align-items: center; gap: 12px; padding: 10px 4px; border-bottom: 1px solid #f2f2f2; }
  .users img, .users .noavatar { width: 40px; height: 40px; border-radius: 4px; background: #d8d8d8; }
  .users small { color: #7f7f7f; display: block; }
  .buttons { display: flex; flex-direction: column; gap: 12px; margin-top: 20px; }
  button { font-size: 17px; padding: 12px; border: 0; border-radius: 8px; }
  .allow { background: #07c160; color: #fff; }
  .deny { background: #f2f2f2; color: #07c160; }
  .error { text-align: center; }
  .errcode { font-size: 15px; color: #7f7f7f; }
  .emulator { text-align: center; color: #b2b2b2; font-size: 12px; margin-top: 24px; }
</style>
</head>
<body><main>${body}<p class="emulator">WeChat emulator · 微信模拟器</p></main></body>
</html>
`;
}
