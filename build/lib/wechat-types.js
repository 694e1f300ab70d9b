/** Shapes of WeChat's web-authorization answers (snake_case, as WeChat sends them). */
export {};
//# sourceMappingURL=wechat-types.js.map