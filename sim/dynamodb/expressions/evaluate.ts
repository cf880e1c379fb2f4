import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { HarnessError } from '../../network/callFate.js';
import type { Condition, Operand, SetValue, UpdateAction } from './ast.js';

export type Item = Record<string, AttributeValue>;

/** The placeholders of one request, and which of them the expressions used (DynamoDB rejects unused ones). */
export class Placeholders {
  readonly #names: Record<string, string>;
  readonly #values: Record<string, AttributeValue>;
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(names: Record<string, string> | undefined, values: Record<string, AttributeValue> | undefined) {
    this.#names = names ?? {};
    this.#values = values ?? {};
  }

  attribute(path: Operand & { kind: 'path' }): string {
    if (!path.name.startsWith('#')) return path.name;
    const name = this.#names[path.name];
    if (name === undefined)
      throw validation(
        `An expression attribute name used in the document path is not defined; attribute name: ${path.name}`,
      );
    this.usedNames.add(path.name);
    return name;
  }

  value(ref: string): AttributeValue {
    const value = this.#values[ref];
    if (value === undefined)
      throw validation(`An expression attribute value used in expression is not defined; attribute value: ${ref}`);
    this.usedValues.add(ref);
    return value;
  }

  /** DynamoDB refuses placeholders that no expression of the request used. */
  checkAllUsed(): void {
    const unusedNames = Object.keys(this.#names).filter((n) => !this.usedNames.has(n));
    const unusedValues = Object.keys(this.#values).filter((v) => !this.usedValues.has(v));
    if (unusedNames.length > 0)
      throw validation(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
      );
    if (unusedValues.length > 0)
      throw validation(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
      );
  }
}

/** DynamoDB's ValidationException (the client has no class for it: the SDK builds a generic service exception). */
export function validation(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

export function evaluateCondition(condition: Condition, item: Item | undefined, p: Placeholders): boolean {
  switch (condition.kind) {
    case 'and': {
      // Every operand is resolved (and so counted as used) even after a false one, as DynamoDB validates them all.
      let result = true;
      for (const c of condition.items) if (!evaluateCondition(c, item, p)) result = false;
      return result;
    }
    case 'exists':
      return attributeOf(item, p.attribute(condition.path)) !== undefined;
    case 'notExists':
      return attributeOf(item, p.attribute(condition.path)) === undefined;
    case 'eq': {
      const left = operandValue(condition.left, item, p);
      const right = operandValue(condition.right, item, p);
      return left !== undefined && right !== undefined && sameValue(left, right);
    }
  }
}

/** Applies the actions to a copy of `item` (or a new item with `key`); returns the new item. */
export function applyUpdate(
  actions: readonly UpdateAction[],
  item: Item | undefined,
  key: Item,
  p: Placeholders,
): Item {
  const next: Item = { ...(item ?? key) };
  const touched = new Set<string>();
  for (const action of actions) {
    const attribute = p.attribute(action.path);
    if (touched.has(attribute)) throw validation(`Two document paths overlap with each other: ${attribute}`);
    touched.add(attribute);
    if (Object.hasOwn(key, attribute))
      throw validation(`Cannot update attribute ${attribute}. This attribute is part of the key`);
    if (action.kind === 'remove') delete next[attribute];
    else next[attribute] = setValue(action.value, item, p);
  }
  return next;
}

function setValue(value: SetValue, item: Item | undefined, p: Placeholders): AttributeValue {
  const base = value.base;
  let result: AttributeValue | undefined;
  if (base.kind === 'ifNotExists') {
    const current = attributeOf(item, p.attribute(base.path));
    const fallback = operandValue(base.fallback, item, p);
    result = current ?? fallback;
  } else {
    result = operandValue(base, item, p);
  }
  if (result === undefined)
    throw validation('The provided expression refers to an attribute that does not exist in the item');
  if (value.plus === undefined) return copyValue(result);
  const addend = operandValue(value.plus, item, p);
  if (result.N === undefined || addend?.N === undefined)
    throw validation('Incorrect operand type for operator or function; operator: +');
  return { N: addNumbers(result.N, addend.N) };
}

function operandValue(operand: Operand, item: Item | undefined, p: Placeholders): AttributeValue | undefined {
  return operand.kind === 'value' ? p.value(operand.ref) : attributeOf(item, p.attribute(operand));
}

// Resolves the placeholder first: `item?.[p.attribute(…)]` would skip it (and its use) for a missing item.
function attributeOf(item: Item | undefined, attribute: string): AttributeValue | undefined {
  return item === undefined ? undefined : item[attribute];
}

/** DynamoDB equality: same type and same value (numbers compare numerically, sets as sets). */
export function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  if (a.S !== undefined) return b.S === a.S;
  if (a.N !== undefined) return b.N !== undefined && compareNumbers(a.N, b.N) === 0;
  if (a.SS !== undefined) return b.SS !== undefined && sameSet(a.SS, b.SS);
  if (a.BOOL !== undefined) return b.BOOL === a.BOOL;
  if (a.NULL !== undefined) return b.NULL !== undefined;
  throw new HarnessError(
    `FakeDynamoDB: comparing attribute values of type ${Object.keys(a).join(',')} is not modelled`,
  );
}

export function copyValue(value: AttributeValue): AttributeValue {
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.B !== undefined) return { B: value.B.slice() };
  throw new HarnessError(`FakeDynamoDB: attribute values of type ${Object.keys(value).join(',')} are not modelled`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

function compareNumbers(a: string, b: string): number {
  if (/^-?\d+$/.test(a) && /^-?\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Math.sign(Number(a) - Number(b));
}

function addNumbers(a: string, b: string): string {
  if (/^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return (BigInt(a) + BigInt(b)).toString();
  throw new HarnessError(`FakeDynamoDB: non-integer arithmetic (${a} + ${b}) is not modelled`);
}
