/** An operand of a condition or update: an attribute path (`#name` or a plain name) or a value (`:value`). */
export type Operand =
  | { readonly kind: 'path'; readonly name: string }
  | { readonly kind: 'value'; readonly ref: string };

/** The condition subset the lease table uses: `=`, `AND`, `attribute_exists`, `attribute_not_exists`. */
export type Condition =
  | { readonly kind: 'and'; readonly items: readonly Condition[] }
  | { readonly kind: 'exists'; readonly path: Operand & { kind: 'path' } }
  | { readonly kind: 'notExists'; readonly path: Operand & { kind: 'path' } }
  | { readonly kind: 'eq'; readonly left: Operand; readonly right: Operand };

/** A SET value: an operand or `if_not_exists(path, operand)`, optionally `+ operand`. */
export interface SetValue {
  readonly base:
    | Operand
    | { readonly kind: 'ifNotExists'; readonly path: Operand & { kind: 'path' }; readonly fallback: Operand };
  readonly plus: Operand | undefined;
}

export type UpdateAction =
  | { readonly kind: 'set'; readonly path: Operand & { kind: 'path' }; readonly value: SetValue }
  | { readonly kind: 'remove'; readonly path: Operand & { kind: 'path' } };
