/**
 * Escaping for text and attribute values in the SVG figures. Engine names and titles are ours, but a label like
 * "m < 30 & …" must never break the XML, so every string goes through here.
 */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** `s` safe as XML character data and as a (single- or double-quoted) attribute value. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
