/**
 * Real User-Agent strings and what the client must say about them. Shared with the browser E2E tests,
 * which set each `ua` on a real page and expect the same answers.
 */
export interface UserAgentCase {
  label: string;
  ua: string;
  isWechat: boolean;
  isWeCom: boolean;
  isMiniProgram: boolean;
  isDevTools?: boolean;
  isWindowsWechat?: boolean;
  isMacWechat?: boolean;
  isMobile: boolean;
  wechatVersion?: string;
}

const none = { isWechat: false, isWeCom: false, isMiniProgram: false } as const;

export const userAgents: readonly UserAgentCase[] = [
  // WeChat's in-app browser
  {
    label: 'iOS WeChat',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x1800092c) NetType/WIFI Language/zh_CN',
    isWechat: true, isWeCom: false, isMiniProgram: false, isMobile: true, wechatVersion: '8.0.47',
  },
  {
    label: 'Android WeChat',
    ua: 'Mozilla/5.0 (Linux; Android 13; V2218A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2585 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
    isWechat: true, isWeCom: false, isMiniProgram: false, isMobile: true, wechatVersion: '8.0.47.2560',
  },
  {
    label: 'Android WeChat on 4G',
    ua: 'Mozilla/5.0 (Linux; Android 10; HMA-AL00 Build/HUAWEIHMA-AL00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5061 MMWEBSDK/20230303 MMWEBID/6178 MicroMessenger/8.0.34.2340(0x2800225B) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64',
    isWechat: true, isWeCom: false, isMiniProgram: false, isMobile: true, wechatVersion: '8.0.34.2340',
  },
  {
    label: 'iPad WeChat',
    ua: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2a) NetType/WIFI Language/zh_CN',
    isWechat: true, isWeCom: false, isMiniProgram: false, isMobile: true, wechatVersion: '8.0.44',
  },
  {
    label: 'Windows WeChat',
    ua: 'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x6309092b) XWEB/8555 Flue',
    isWechat: true, isWeCom: false, isMiniProgram: false, isWindowsWechat: true, isMacWechat: false, isMobile: false, wechatVersion: '7.0.20.1781',
  },
  {
    label: 'Mac WeChat',
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) MicroMessenger/6.8.0(0x16080000) MacWechat/3.8.6(0x13080610) XWEB/1156 Flue NetType/WIFI',
    isWechat: true, isWeCom: false, isMiniProgram: false, isWindowsWechat: false, isMacWechat: true, isMobile: false, wechatVersion: '6.8.0',
  },
  // WeCom says MicroMessenger too; wxwork decides.
  {
    label: 'WeCom iOS',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.3 MicroMessenger/7.0.1 Language/zh ColorScheme/Light',
    isWechat: false, isWeCom: true, isMiniProgram: false, isMobile: true,
  },
  {
    label: 'WeCom Android',
    ua: 'Mozilla/5.0 (Linux; Android 12; M2102K1C Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5127 MMWEBSDK/20230504 MMWEBID/3470 wxwork/4.1.6 MicroMessenger/7.0.1 NetType/WIFI Language/zh Lang/zh ColorScheme/Light',
    isWechat: false, isWeCom: true, isMiniProgram: false, isMobile: true,
  },
  {
    label: 'WeCom Windows',
    ua: 'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36 wxwork/4.1.10 (MicroMessenger/6.2) WindowsWechat MailPlugin_Electron WeMail embeddisk',
    isWechat: false, isWeCom: true, isMiniProgram: false, isWindowsWechat: false, isMobile: false,
  },
  // Mini-program web-view
  {
    label: 'mini-program web-view Android',
    ua: 'Mozilla/5.0 (Linux; Android 10; MI 8 Build/QKQ1.190828.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/3185 MMWEBSDK/20211001 Mobile Safari/537.36 MMWEBID/2994 MicroMessenger/8.0.16.2040(0x28001053) Process/appbrand0 WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 miniProgram/wx1234567890abcdef',
    isWechat: true, isWeCom: false, isMiniProgram: true, isMobile: true, wechatVersion: '8.0.16.2040',
  },
  {
    label: 'mini-program web-view iOS',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.16(0x18001033) NetType/WIFI Language/zh_CN miniProgram/wx1234567890abcdef',
    isWechat: true, isWeCom: false, isMiniProgram: true, isMobile: true, wechatVersion: '8.0.16',
  },
  {
    // (verify) WeChat for Windows marks its mini-program runtime with MiniProgramEnv/Windows.
    label: 'mini-program web-view Windows',
    ua: 'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13) XWEB/8555 Flue MiniProgramEnv/Windows WindowsWechat/WMPF',
    isWechat: true, isWeCom: false, isMiniProgram: true, isWindowsWechat: true, isMobile: false, wechatVersion: '7.0.20.1781',
  },
  {
    label: 'WeChat DevTools',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1 wechatdevtools/1.06.2310080 MicroMessenger/8.0.5 Language/zh_CN webview/16978484069874424 webdebugger port/12345 token/0123456789abcdef',
    isWechat: true, isWeCom: false, isMiniProgram: false, isDevTools: true, isMobile: true, wechatVersion: '8.0.5',
  },
  // Ordinary browsers
  {
    label: 'desktop Chrome',
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    ...none, isDevTools: false, isWindowsWechat: false, isMobile: false,
  },
  {
    label: 'desktop Safari',
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    ...none, isMacWechat: false, isMobile: false,
  },
  {
    label: 'desktop Firefox',
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
    ...none, isMobile: false,
  },
  {
    label: 'desktop Edge',
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
    ...none, isMobile: false,
  },
  {
    label: 'mobile Safari',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    ...none, isMobile: true,
  },
  {
    label: 'Android Chrome',
    ua: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
    ...none, isMobile: true,
  },
  {
    label: 'QQ browser',
    ua: 'Mozilla/5.0 (Linux; U; Android 11; zh-cn; PDEM10 Build/RKQ1.200903.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.141 MQQBrowser/13.4 Mobile Safari/537.36 COVC/046401',
    ...none, isMobile: true,
  },
  {
    label: 'Weibo',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Weibo (iPhone14,2__weibo__13.6.2__iphone__os16.5)',
    ...none, isMobile: true,
  },
  {
    label: 'Alipay',
    ua: 'Mozilla/5.0 (Linux; U; Android 12; zh-CN; 22041211AC Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.59 Mobile Safari/537.36 AlipayChannelId/5136 UCBS/3.22.2.59_230605183713 NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:393|770|2.75) AliApp(AP/10.5.36.8000) AlipayClient/10.5.36.8000 Language/zh-Hans useStatusBar/true isConcaveScreen/true Region/CN Ariver/1.0.0',
    ...none, isMobile: true,
  },
  // Robots and tools
  {
    label: 'Googlebot',
    ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ...none, isMobile: false,
  },
  {
    label: 'Googlebot smartphone',
    ua: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ...none, isMobile: true,
  },
  {
    label: 'Bingbot',
    ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    ...none, isMobile: false,
  },
  { label: 'curl', ua: 'curl/8.5.0', ...none, isMobile: false },
  { label: 'empty string', ua: '', ...none, isDevTools: false, isWindowsWechat: false, isMacWechat: false, isMobile: false },
];
