import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { PeopleApiSettings } from './access-settings';
import { AccessLogService } from './access-log/access-log.service';
import { ACCESS_SETTINGS, TokenVerifier } from './token-verifier.service';

/** Bearer-token sign-in, role checks on every route, and the access log of personal-data reads. */
@Global()
@Module({})
export class AccessModule {
  static forRoot(settings: PeopleApiSettings): DynamicModule {
    return {
      module: AccessModule,
      providers: [
        { provide: ACCESS_SETTINGS, useValue: settings },
        TokenVerifier,
        AccessLogService,
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
      exports: [AccessLogService],
    };
  }
}
