/**
 * Reading one family out of a node's GET /metrics (Prometheus text format), for the bench and the soak: the sum
 * of its samples over all label sets, or undefined when the family has none.
 */
export function sumOfFamily(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\S+?)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) sum = (sum ?? 0) + Number(m[2]);
  }
  return sum;
}

/** The node's /metrics text (5 s deadline). */
export async function fetchMetrics(rpcUrl: string): Promise<string> {
  const res = await fetch(`${rpcUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${rpcUrl}/metrics: HTTP ${res.status}`);
  return res.text();
}
