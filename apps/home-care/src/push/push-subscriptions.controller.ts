import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Post,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { teamScopeOf } from '../access/team-scope';
import { HomeCareConfig } from '../home-care.config';
import { PushConfigDto, PushSubscriptionDto, PushUnsubscribeDto } from './dto/push-subscription.dto';
import { isAllowedPushEndpoint } from './push-sender';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';

/**
 * A nurse's phone allows or stops notifications of new dispatches for the team in the token.
 * Fenced like the dispatches: role home-care with home_care_team_id.
 */
@ApiTags('push')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid bearer token' })
@ApiForbiddenResponse({ description: 'Not a home-care nurse (role home-care with home_care_team_id)' })
@Roles('home-care')
@Controller('api/push')
export class PushSubscriptionsController {
  constructor(
    private readonly config: HomeCareConfig,
    private readonly subscriptions: PushSubscriptionsRepository,
  ) {}

  @Get('config')
  @ApiOkResponse({ type: PushConfigDto })
  @ApiNotFoundResponse({ description: 'Web Push is not switched on (no VAPID key configured)' })
  pushConfig(@CurrentActor() actor: Actor): PushConfigDto {
    teamScopeOf(actor);
    if (!this.config.PUSH_VAPID_PUBLIC_KEY) throw new NotFoundException('Web Push is not switched on here');
    return { publicKey: this.config.PUSH_VAPID_PUBLIC_KEY };
  }

  @Post('subscriptions')
  @HttpCode(201)
  @ApiOkResponse({ description: 'Stored: new dispatches for the team ring this phone' })
  @ApiBadRequestResponse({ description: 'Not a subscription, or at a push service this deployment does not use' })
  @ApiForbiddenResponse({
    description: 'The endpoint is subscribed for another team (the phone makes a new subscription)',
  })
  async subscribe(@CurrentActor() actor: Actor, @Body() body: PushSubscriptionDto): Promise<{ subscribed: true }> {
    const scope = teamScopeOf(actor);
    if (!this.config.PUSH_VAPID_PUBLIC_KEY) throw new NotFoundException('Web Push is not switched on here');
    if (!isAllowedPushEndpoint(body.endpoint, this.config.PUSH_SERVICE_HOSTS))
      throw new BadRequestException(
        `endpoint must be an https URL at one of the push services ${this.config.PUSH_SERVICE_HOSTS.join(', ')}`,
      );
    const saved = await this.subscriptions.save(scope, {
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      nurseId: actor.subject,
    });
    if (!saved)
      throw new ForbiddenException('this push subscription belongs to another team: unsubscribe it and subscribe anew');
    return { subscribed: true };
  }

  @Delete('subscriptions')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'This phone is rung no more' })
  @ApiNotFoundResponse({ description: "No such subscription in the nurse's team" })
  async unsubscribe(@CurrentActor() actor: Actor, @Body() body: PushUnsubscribeDto): Promise<void> {
    if (!(await this.subscriptions.removeInTeam(teamScopeOf(actor), body.endpoint)))
      throw new NotFoundException('no such push subscription in your team');
  }
}
