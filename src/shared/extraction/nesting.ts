/**
 * Nesting depth of JSON and HTML, measured in one linear pass without building a tree, so a
 * document nested 100,000 deep is refused before a recursive step (JSON.stringify, html-to-text's
 * walk) can overflow the stack or a pretty-printer can make its output quadratic.
 */
import { Parser } from 'htmlparser2';

/** True when JSON text nests arrays/objects deeper than `max` (strings are skipped, escapes honoured). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * True when HTML elements nest deeper than `max`, counted as the tree html-to-text builds would be
 * (htmlparser2's own tokenizer: void elements and implied end tags close as they do there).
 */
export function htmlDeeperThan(html: string, max: number): boolean {
  let depth = 0;
  let deeper = false;
  const parser = new Parser({
    onopentag() {
      if (++depth > max && !deeper) {
        deeper = true;
        parser.pause(); // nothing more to learn
      }
    },
    onclosetag() {
      depth--;
    },
  });
  parser.write(html);
  if (!deeper) parser.end();
  return deeper;
}
