declare const brand: unique symbol;

/**
 * A string that has passed validation. The brand exists only for the type checker: a plain string cannot be passed
 * where a validated identifier is expected without going through a `validate*` or `parse*` function.
 */
export type Brand<T, B extends string> = T & { readonly [brand]: B };
