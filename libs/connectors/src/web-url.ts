/**
 * Whether a URL from a source (an incident's link) may become a link or a button in a message: only
 * http(s). A `javascript:` or `data:` URL is not ours to trust, and is shown as text if at all.
 */
export function isWebUrl(url: string | null | undefined): url is string {
  if (!url) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
