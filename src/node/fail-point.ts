/**
 * Crash windows on demand, as CometBFT's libs/fail does with FAIL_TEST_INDEX: with POSPLUS_FAIL_AT_WRITE=N in its
 * environment, a node kills itself with SIGKILL right after its N-th durable store write of this run, so a test can
 * put a crash between any two writes and check that the restarted node never signs twice. Unset, it does nothing.
 */
export const FAIL_AT_WRITE_ENV = 'POSPLUS_FAIL_AT_WRITE';

/** The hook the store calls after each durable write, or undefined when the environment asks for no crash. */
export function failPointFromEnv(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  const raw = env[FAIL_AT_WRITE_ENV];
  if (raw === undefined || raw === '') return undefined;
  const at = Number(raw);
  if (!Number.isInteger(at) || at < 1) throw new Error(`${FAIL_AT_WRITE_ENV}: "${raw}" is not a positive integer`);
  let writes = 0;
  return () => {
    writes += 1;
    // SIGKILL to ourselves: nothing after this write runs, exactly as if the machine had killed the process here.
    if (writes === at) process.kill(process.pid, 'SIGKILL');
  };
}
