import type { NextFunction, Request, Response } from 'express';

/** No request body of ours nests deeper than a few levels; 32 leaves room and stops abuse. */
export const MAX_JSON_DEPTH = 32;

/**
 * Names no field of ours has, which reach past validation: `__proto__` and friends are what
 * prototype pollution is made of, and class-validator's whitelist takes any name found on
 * Object.prototype (toString, constructor, ...) for a known property.
 */
const FORBIDDEN_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * Refuses with 400, before any parsing into DTOs: JSON bodies nested deeper than `maxDepth`
 * (class-transformer would recurse until the stack overflows, a 500 per request), and bodies or
 * query strings with a forbidden key at any depth. Walks iteratively, so it cannot overflow.
 */
export function refuseHostileJson(maxDepth = MAX_JSON_DEPTH) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const problem = hostileJsonProblem(req.body, maxDepth) ?? forbiddenKeyIn(req.query, 'query parameter');
    next(problem ? Object.assign(new Error(problem), { status: 400 }) : undefined);
  };
}

/** Why `value` is refused, or null when it is fine. */
export function hostileJsonProblem(value: unknown, maxDepth: number): string | null {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return `JSON body nests deeper than ${maxDepth} levels`;
    const forbidden = forbiddenKeyIn(node, 'field');
    if (forbidden) return forbidden;
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return null;
}

function forbiddenKeyIn(node: unknown, what: string): string | null {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return null;
  const key = Object.keys(node).find((name) => FORBIDDEN_KEYS.has(name));
  return key === undefined ? null : `${what} "${key}" is not allowed`;
}
