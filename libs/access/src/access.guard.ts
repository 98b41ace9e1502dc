import {
  CanActivate,
  Optional,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { IS_PUBLIC_ROUTE } from '@welfare/platform';
import type { Role } from './actor';
import { ALLOWED_ROLES, RequestWithActor } from './access.decorators';
import { TokenRefused, TokenVerifier } from './token-verifier.service';
import { BrowserSessions, SessionEnded } from './browser-session/browser-sessions.service';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/**
 * Every route needs a verified bearer token (machine clients, curl) or, on a service with a page,
 * a browser session cookie whose token is checked the same way and one of the roles it names; routes are closed
 * by default (no @Roles, no @Public: nobody). Tenancy is not decided here but where the data
 * is read: each query carries the actor's scope.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    @Optional() private readonly sessions?: BrowserSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithActor>();
    request.actor =
      request.headers.authorization === undefined && this.sessions?.hasCookie(request)
        ? await this.fromSession(request)
        : await this.verified(request.headers.authorization, http.getResponse<Response>());
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets) ?? [];
    if (!request.actor.roles.some((role) => allowed.includes(role))) {
      throw new ForbiddenException(
        allowed.length ? `this needs one of the roles: ${allowed.join(', ')}` : 'no role may call this',
      );
    }
    return true;
  }

  /** The session's access token (renewed when due) is verified like a bearer token. */
  private async fromSession(request: RequestWithActor) {
    const token = await this.sessions!.accessToken(request);
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      if (error.issuerUnavailable) throw new ServiceUnavailableException(`${error.message}; try again shortly`);
      throw new SessionEnded(error.message);
    }
  }

  private async verified(header: string | undefined, response: Response) {
    const token = BEARER.exec(header ?? '')?.[1];
    if (!token) throw unauthorized(response, 'an Authorization header "Bearer <token>" is required');
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      if (error.issuerUnavailable) {
        this.logger.error(`token not checked: ${error.message}`);
        throw new ServiceUnavailableException(`${error.message}; try again shortly`);
      }
      throw unauthorized(response, error.message);
    }
  }
}

function unauthorized(response: Response, message: string): UnauthorizedException {
  response.setHeader(
    'WWW-Authenticate',
    `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
  );
  return new UnauthorizedException(message);
}
