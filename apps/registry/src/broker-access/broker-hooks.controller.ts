import { Body, Controller, Headers, HttpCode, NotFoundException, Post, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '@welfare/platform';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { DeviceCredentialsService } from '../devices/device-credentials.service';
import { RegistryConfig } from '../registry.config';

export class BrokerAuthenticateDto {
  @IsString() clientid!: string;
  @IsOptional() @IsString() username?: string;
  @IsOptional() @IsString() password?: string;
}

export class BrokerAuthorizeDto {
  @IsString() clientid!: string;
  @IsOptional() @IsString() username?: string;
  @IsString() topic!: string;
  @IsIn(['publish', 'subscribe']) action!: 'publish' | 'subscribe';
}

type HookAnswer = { result: 'allow' | 'deny'; is_superuser?: false };

/**
 * Broker-auth hooks for brokers that ask rather than hold credentials (BROKER_ACCESS=http-hooks):
 * the embedded aedes here, EMQX's HTTP authentication and authorization in production; the
 * request and answer shapes are EMQX's. Service accounts are the broker's own business; only
 * devices are asked about. Public to the people-facing token guard: the broker is no person.
 * It proves itself with the shared BROKER_HOOK_SECRET in x-broker-secret instead.
 */
@ApiExcludeController()
@Public()
@Controller('api/broker')
export class BrokerHooksController {
  constructor(
    private readonly config: RegistryConfig,
    private readonly credentials: DeviceCredentialsService,
  ) {}

  /** A device signs in with username = client id = its device id and the secret the registry issued. */
  @Post('authenticate')
  @HttpCode(200)
  async authenticate(
    @Headers('x-broker-secret') secret: string | undefined,
    @Body() body: BrokerAuthenticateDto,
  ): Promise<HookAnswer> {
    this.checkBroker(secret);
    const allowed =
      body.username === body.clientid &&
      typeof body.password === 'string' &&
      (await this.credentials.verify(body.clientid, body.password));
    return { result: allowed ? 'allow' : 'deny', is_superuser: false };
  }

  /** An active device may publish its own events and subscribe to its own commands: nothing else. */
  @Post('authorize')
  @HttpCode(200)
  async authorize(
    @Headers('x-broker-secret') secret: string | undefined,
    @Body() body: BrokerAuthorizeDto,
  ): Promise<HookAnswer> {
    this.checkBroker(secret);
    const own = body.action === 'publish' ? `devices/${body.clientid}/events` : `devices/${body.clientid}/commands`;
    const allowed =
      body.username === body.clientid && body.topic === own && (await this.credentials.isActive(body.clientid));
    return { result: allowed ? 'allow' : 'deny' };
  }

  private checkBroker(secret: string | undefined): void {
    const expected = this.config.BROKER_HOOK_SECRET;
    if (this.config.BROKER_ACCESS !== 'http-hooks' || !expected)
      throw new NotFoundException('broker hooks are off (BROKER_ACCESS is not http-hooks)');
    const digest = (value: string) => createHash('sha256').update(value).digest();
    if (!secret || !timingSafeEqual(digest(secret), digest(expected)))
      throw new UnauthorizedException('x-broker-secret is missing or wrong');
  }
}
