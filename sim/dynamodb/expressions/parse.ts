import { HarnessError } from '../../network/callFate.js';
import type { Condition, Operand, SetValue, UpdateAction } from './ast.js';
import { type Token, tokenize } from './tokenize.js';

const conditionCache = new Map<string, Condition>();
const updateCache = new Map<string, UpdateAction[]>();

/** Parses a ConditionExpression of the supported subset (cached: the lease table sends a handful of shapes). */
export function parseCondition(expression: string): Condition {
  let parsed = conditionCache.get(expression);
  if (parsed === undefined) {
    const p = new Parser(expression);
    parsed = p.condition();
    p.end();
    conditionCache.set(expression, parsed);
  }
  return parsed;
}

/** Parses an UpdateExpression of the supported subset: `SET a = v, …` and `REMOVE a, …` clauses. */
export function parseUpdate(expression: string): UpdateAction[] {
  let parsed = updateCache.get(expression);
  if (parsed === undefined) {
    const p = new Parser(expression);
    parsed = p.update();
    p.end();
    updateCache.set(expression, parsed);
  }
  return parsed;
}

class Parser {
  readonly #expression: string;
  readonly #tokens: Token[];
  #i = 0;

  constructor(expression: string) {
    this.#expression = expression;
    this.#tokens = tokenize(expression);
  }

  end(): void {
    if (this.#i < this.#tokens.length) this.#fail(`unexpected ${this.#tokens[this.#i]!.text}`);
  }

  condition(): Condition {
    const items = [this.#primary()];
    while (this.#isWord('AND')) {
      this.#i++;
      items.push(this.#primary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  update(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const seen = new Set<string>();
    while (this.#i < this.#tokens.length) {
      const clause = this.#word();
      if (seen.has(clause)) this.#fail(`${clause} appears twice`);
      seen.add(clause);
      if (clause === 'SET') {
        do actions.push({ kind: 'set', path: this.#path(), value: this.#setValue() });
        while (this.#comma());
      } else if (clause === 'REMOVE') {
        do actions.push({ kind: 'remove', path: this.#path() });
        while (this.#comma());
      } else {
        this.#fail(`unsupported clause ${clause} (only SET and REMOVE are modelled)`);
      }
    }
    if (actions.length === 0) this.#fail('empty update');
    return actions;
  }

  #setValue(): SetValue {
    this.#punct('=');
    let base: SetValue['base'];
    if (this.#isWord('if_not_exists')) {
      this.#i++;
      this.#punct('(');
      const path = this.#path();
      this.#punct(',');
      const fallback = this.#operand();
      this.#punct(')');
      base = { kind: 'ifNotExists', path, fallback };
    } else {
      base = this.#operand();
    }
    let plus: Operand | undefined;
    if (this.#isPunct('+')) {
      this.#i++;
      plus = this.#operand();
    }
    return { base, plus };
  }

  #primary(): Condition {
    if (this.#isWord('attribute_exists') || this.#isWord('attribute_not_exists')) {
      const fn = this.#word();
      this.#punct('(');
      const path = this.#path();
      this.#punct(')');
      return fn === 'attribute_exists' ? { kind: 'exists', path } : { kind: 'notExists', path };
    }
    if (this.#isWord('NOT') || this.#isWord('OR') || this.#isPunct('('))
      this.#fail('NOT, OR and parentheses are not modelled');
    const left = this.#operand();
    this.#punct('=');
    return { kind: 'eq', left, right: this.#operand() };
  }

  #operand(): Operand {
    const token = this.#tokens[this.#i];
    if (token?.kind === 'value') {
      this.#i++;
      return { kind: 'value', ref: token.text };
    }
    return this.#path();
  }

  #path(): Operand & { kind: 'path' } {
    const token = this.#tokens[this.#i];
    if (token?.kind === 'name' || (token?.kind === 'word' && !isKeyword(token.text))) {
      this.#i++;
      return { kind: 'path', name: token.text };
    }
    return this.#fail(`expected an attribute name, got ${token?.text ?? 'the end'}`);
  }

  #comma(): boolean {
    if (!this.#isPunct(',')) return false;
    this.#i++;
    return true;
  }

  #word(): string {
    const token = this.#tokens[this.#i];
    if (token?.kind !== 'word') return this.#fail(`expected a keyword, got ${token?.text ?? 'the end'}`);
    this.#i++;
    return token.text;
  }

  #punct(text: string): void {
    if (!this.#isPunct(text)) this.#fail(`expected ${text}, got ${this.#tokens[this.#i]?.text ?? 'the end'}`);
    this.#i++;
  }

  #isWord(text: string): boolean {
    const token = this.#tokens[this.#i];
    return token?.kind === 'word' && token.text === text;
  }

  #isPunct(text: string): boolean {
    const token = this.#tokens[this.#i];
    return token?.kind === 'punct' && token.text === text;
  }

  #fail(reason: string): never {
    throw new HarnessError(`FakeDynamoDB: ${reason} in ${JSON.stringify(this.#expression)}`);
  }
}

function isKeyword(word: string): boolean {
  return ['AND', 'OR', 'NOT', 'SET', 'REMOVE', 'ADD', 'DELETE'].includes(word);
}
