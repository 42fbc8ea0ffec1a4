/**
 * A small strict well-formedness check for the SVGs we write (no dependency): one root element, tags balanced
 * and properly nested, attributes quoted and unique, no raw `<` or stray `&` in text or attribute values.
 * Comments, CDATA, processing instructions and DOCTYPE are refused because our writer never emits them.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*$/;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function unescape(s: string, where: string): string {
  if (s.includes('<')) throw new Error(`raw < in ${where}`);
  if (s.replace(ENTITY, '').includes('&')) throw new Error(`stray & in ${where}: ${JSON.stringify(s)}`);
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function parseAttrs(src: string, tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /\s+([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new Error(`malformed attributes in <${tag}>: ${JSON.stringify(src.slice(i))}`);
    const name = m[1]!;
    if (!NAME.test(name)) throw new Error(`bad attribute name ${name} in <${tag}>`);
    if (name in attrs) throw new Error(`duplicate attribute ${name} in <${tag}>`);
    attrs[name] = unescape(m[3] ?? m[4]!, `attribute ${name} of <${tag}>`);
    i = re.lastIndex;
  }
  return attrs;
}

/** Parses `xml` (which must be one element, optionally followed by whitespace) or throws saying why not. */
export function parseXml(xml: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const chunk = xml.slice(i, lt < 0 ? xml.length : lt);
    if (chunk.length > 0) {
      const top = stack.at(-1);
      if (top === undefined) {
        if (chunk.trim() !== '') throw new Error(`text outside the root element: ${JSON.stringify(chunk)}`);
      } else top.text += unescape(chunk, `text of <${top.name}>`);
    }
    if (lt < 0) break;
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (/^[!?]/.test(tag)) throw new Error(`unexpected <${tag.slice(0, 10)}…> at ${lt}`);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}> at ${lt}`);
    } else {
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const name = /^[^\s]+/.exec(body)?.[0] ?? '';
      if (!NAME.test(name)) throw new Error(`bad element name ${JSON.stringify(name)} at ${lt}`);
      const el: XmlElement = { name, attrs: parseAttrs(body.slice(name.length), name), children: [], text: '' };
      const parent = stack.at(-1);
      if (parent) parent.children.push(el);
      else if (root) throw new Error(`second root element <${name}> at ${lt}`);
      else root = el;
      if (!selfClosing) stack.push(el);
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (!root) throw new Error('no element');
  return root;
}

/** Every element below (and including) `el`, depth first. */
export function elements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(elements)];
}

/** All text inside `el`. */
export function textOf(el: XmlElement): string {
  return el.text + el.children.map(textOf).join('');
}
