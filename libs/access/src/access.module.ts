import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { PeopleApiSettings } from './access-settings';
import { AccessLogService } from './access-log/access-log.service';
import { ACCESS_SETTINGS, TokenVerifier } from './token-verifier.service';
import { isSignInConfigured } from './browser-session/sign-in-settings';
import { BrowserSessions } from './browser-session/browser-sessions.service';
import { BrowserSessionStore } from './browser-session/browser-session.store';
import { SignInClient } from './browser-session/sign-in-client';
import { SIGN_IN_PAGE_PATH, SignInController } from './browser-session/sign-in.controller';

/**
 * Bearer-token sign-in, role checks on every route, and the access log of personal-data reads.
 * A service with a page (`signInPage`) whose settings name a client also signs people in itself
 * (backend-for-frontend: a session cookie, the tokens kept here).
 */
@Global()
@Module({})
export class AccessModule {
  static forRoot(settings: PeopleApiSettings, options: { signInPage?: string } = {}): DynamicModule {
    const signIn = options.signInPage !== undefined && isSignInConfigured(settings);
    const signInProviders: Provider[] = signIn
      ? [
          { provide: SIGN_IN_PAGE_PATH, useValue: options.signInPage },
          SignInClient,
          BrowserSessionStore,
          BrowserSessions,
        ]
      : [];
    return {
      module: AccessModule,
      controllers: signIn ? [SignInController] : [],
      providers: [
        { provide: ACCESS_SETTINGS, useValue: settings },
        TokenVerifier,
        AccessLogService,
        ...signInProviders,
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
      exports: [AccessLogService],
    };
  }
}
