import { readFileSync } from 'node:fs';

/**
 * This build's version, from the package.json it was built with (three levels above dist/src/node, in the
 * repository and in the image alike): `posplus --version`, node_status and posplus_build_info say the same.
 */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
