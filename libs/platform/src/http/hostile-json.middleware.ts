import type { NextFunction, Request, Response } from 'express';

/** No request body of ours nests deeper than a few levels; 32 leaves room and stops abuse. */
export const MAX_JSON_DEPTH = 32;

/**
 * Refuses JSON bodies nested deeper than `maxDepth` with 400. Without it, a small but deeply
 * nested body makes class-transformer recurse until the stack overflows (a 500 per request).
 * Walks the parsed body iteratively, so the check itself cannot overflow.
 */
export function refuseDeepJson(maxDepth = MAX_JSON_DEPTH) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (depthExceeds(req.body, maxDepth)) {
      next(Object.assign(new Error(`JSON body nests deeper than ${maxDepth} levels`), { status: 400 }));
      return;
    }
    next();
  };
}

export function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return false;
}
