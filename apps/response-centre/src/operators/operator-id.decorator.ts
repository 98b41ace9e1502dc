import { createParamDecorator, ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';

export const OPERATOR_HEADER = 'x-operator-id';
const OPERATOR_ID = /^[A-Za-z0-9._@-]{1,128}$/;

/**
 * The acting operator, from the x-operator-id header. A stand-in until bearer tokens land
 * (the registry issue): the log must never record an action without a named actor.
 */
export const OperatorId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const value = context.switchToHttp().getRequest<Request>().header(OPERATOR_HEADER);
  if (!value || !OPERATOR_ID.test(value)) {
    throw new UnauthorizedException(`header ${OPERATOR_HEADER} is required: 1-128 chars of letters, digits and . _ @ -`);
  }
  return value;
});
