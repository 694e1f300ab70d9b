import { escapeHtml } from './html.js';
/** WeChat's avatar sizes: the last path segment of headimgurl (0 means the largest, 640). */
export const AVATAR_SIZES = [0, 46, 64, 96, 132];
const COLOURS = ['#07c160', '#10aeff', '#fa5151', '#ffc300', '#6467f0'];
/** A square SVG with the user's first character, so pages show something without network access. */
export function avatarSvg(user, size) {
    const px = size === 0 ? 640 : size;
    const colour = COLOURS[[...user.id].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % COLOURS.length];
    const initial = escapeHtml([...user.nickname][0] ?? '?');
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}" viewBox="0 0 100 100"><rect width="100" height="100" fill="${colour}"/><text x="50" y="50" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="50" fill="#fff">${initial}</text></svg>`;
}
//# sourceMappingURL=avatar.js.map