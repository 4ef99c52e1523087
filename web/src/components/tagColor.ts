// A stable color per tag name, so a tag looks the same everywhere (as Grafana does).

const COLORS = ['#E24D42', '#1F78C1', '#BA43A9', '#705DA0', '#466803', '#508642', '#447EBC', '#C15C17', '#890F02', '#757575', '#0A437C', '#6D1F62', '#0E4AB4', '#58140C', '#052B51', '#511749', '#3F2B5B'];

/** The background color of a tag. */
export function tagColor(tag: string): string {
  let h = 0;
  for (let i = 0; i < tag.length; i++) h = (h * 31 + tag.charCodeAt(i)) | 0;
  return COLORS[Math.abs(h) % COLORS.length];
}
