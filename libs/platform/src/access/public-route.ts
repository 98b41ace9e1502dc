import { SetMetadata } from '@nestjs/common';

/** Marks a route every caller may reach without a token (health, metrics, broker hooks with their own check). */
export const IS_PUBLIC_ROUTE = 'access:public';
export const Public = () => SetMetadata(IS_PUBLIC_ROUTE, true);
