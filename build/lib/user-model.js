export function toPublicUser(user) {
    const { accessToken: _a, refreshToken: _r, ...rest } = user;
    return rest;
}
//# sourceMappingURL=user-model.js.map