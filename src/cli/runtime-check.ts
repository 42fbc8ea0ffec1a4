/**
 * libp2p 2.x needs Promise.withResolvers (Node ≥ 22). npm scripts and npx run the Node 24 that the `node`
 * package installs into node_modules/.bin; a bare `node dist/...` on an older system Node stops here with
 * a line that says what to do instead of a stack trace from deep inside libp2p.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  process.stderr.write(
    `posplus needs Node.js 22 or newer (this is ${process.version}); run it through npm or npx (npx posplus …), which use the bundled Node 24\n`,
  );
  process.exit(1);
}
