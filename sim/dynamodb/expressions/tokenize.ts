import { HarnessError } from '../../network/callFate.js';

export type Token =
  | { readonly kind: 'name'; readonly text: string }
  | { readonly kind: 'value'; readonly text: string }
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'punct'; readonly text: '(' | ')' | ',' | '=' | '+' };

/**
 * Splits an expression into tokens: `#name` placeholders, `:value` placeholders, words (keywords, functions and
 * plain attribute names) and the punctuation the supported subset needs. Anything else (`<`, `-`, `[`, `.`…) is a
 * HarnessError naming the expression: the fake must learn it before a consumer may use it.
 */
export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|([(),=+]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expression);
    if (m === null)
      throw new HarnessError(
        `FakeDynamoDB: unsupported syntax at ${JSON.stringify(expression.slice(at))} in ${JSON.stringify(expression)}`,
      );
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'word', text: m[3] });
    else tokens.push({ kind: 'punct', text: m[4] as '(' | ')' | ',' | '=' | '+' });
  }
  return tokens;
}
