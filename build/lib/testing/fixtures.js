export const DEFAULT_DOMAINS = ['localhost', '127.0.0.1'];
/** Fixed credentials so logs, the CLI banner and `.env` files stay stable between runs. */
export const DEFAULT_EMULATOR_APP = {
    appId: 'wx5e0c1a7d93b2f4c6',
    appSecret: '3f9a0c2e7b51d48a96e0f1c3b7d25a84',
    domains: [...DEFAULT_DOMAINS],
    openPlatform: true,
    name: '测试公众号 Test Account',
};
export const DEFAULT_EMULATOR_USERS = [
    {
        id: 'alice',
        nickname: '爱丽丝 Alice',
        headimgurl: '/avatar/alice/132',
        sex: 2,
        province: 'Guangdong',
        city: 'Shenzhen',
        country: 'CN',
        unionid: 'oAliceUn1onIdEmu1at0r0000001',
    },
    // No avatar, and no unionid: the fixture for code paths where those are absent.
    { id: 'bob', nickname: 'Bob', headimgurl: '' },
    { id: 'snapshot', nickname: '微信用户', headimgurl: '', snapshot: true },
];
//# sourceMappingURL=fixtures.js.map