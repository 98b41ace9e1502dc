import { Body, Controller, Headers, HttpCode, NotFoundException, Post, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '@welfare/platform';
import { Matches } from 'class-validator';
import { SCAIP_CONTROLLER_ID_PATTERN } from '@welfare/contracts';
import { DeviceCredentialsService } from '../devices/device-credentials.service';
import { RegistryConfig } from '../registry.config';

export class ScaipDigestCredentialsDto {
  @Matches(new RegExp(SCAIP_CONTROLLER_ID_PATTERN)) controllerId!: string;
}

/**
 * The SCAIP gateway asks here for a unit's SIP digest HA1, over the internal network, proving
 * itself with the shared SCAIP_GATEWAY_SECRET in `x-gateway-secret` (it is no person). The HA1
 * never goes on Kafka, where every service would copy it. 404 for a controller id that is not
 * an active SCAIP unit.
 */
@ApiExcludeController()
@Public()
@Controller('api/scaip')
export class ScaipCredentialsController {
  constructor(
    private readonly config: RegistryConfig,
    private readonly credentials: DeviceCredentialsService,
  ) {}

  @Post('digest-credentials')
  @HttpCode(200)
  async digestCredentials(
    @Headers('x-gateway-secret') secret: string | undefined,
    @Body() body: ScaipDigestCredentialsDto,
  ): Promise<{ realm: string; ha1: string }> {
    const expected = this.config.SCAIP_GATEWAY_SECRET;
    if (!expected) throw new NotFoundException('SCAIP gateway credentials are off (SCAIP_GATEWAY_SECRET is not set)');
    const digest = (value: string) => createHash('sha256').update(value).digest();
    if (!secret || !timingSafeEqual(digest(secret), digest(expected)))
      throw new UnauthorizedException('x-gateway-secret is missing or wrong');
    const ha1 = await this.credentials.scaipDigestHa1(body.controllerId);
    if (!ha1) throw new NotFoundException(`no active SCAIP unit has controller id ${body.controllerId}`);
    return { realm: this.config.SCAIP_DIGEST_REALM, ha1 };
  }
}
