import { readFileSync } from 'node:fs';

/**
 * The live dashboard (web/dashboard.html, in the package and the image), served at GET / on the RPC port. One file
 * with its script and styles inline: nothing to build and nothing fetched from elsewhere, which the policy below
 * enforces in the browser.
 */

let html: string | undefined;
/** Read at the first request, not when the CLI loads: every `posplus` command imports the RPC methods. */
export const dashboardHtml = (): string => (html ??= readFileSync(new URL('../../../../web/dashboard.html', import.meta.url), 'utf8'));

export const DASHBOARD_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};
