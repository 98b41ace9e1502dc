import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { tenancyOf } from '../access/tenancy';
import { AlarmRulesService } from './alarm-rules.service';
import { AlarmRuleDefaultsDto, ResidentAlarmRulesDto, ResidentAlarmRulesViewDto } from './dto/alarm-rules.dto';

const uuid = new ParseUUIDPipe();

/** A municipality's administrators set its alarm rule defaults and each resident's own rules; changes apply at once. */
@ApiTags('alarm rules')
@ApiBearerAuth()
@Roles('municipality-admin')
@Controller('api')
export class AlarmRulesController {
  constructor(private readonly rules: AlarmRulesService) {}

  @Get('residents/:id/alarm-rules')
  @ApiOkResponse({
    type: ResidentAlarmRulesViewDto,
    description: "The resident's own rules, the municipality's defaults, and what applies",
  })
  @ApiNotFoundResponse()
  residentRules(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<ResidentAlarmRulesViewDto> {
    return this.rules.residentRules(tenancyOf(actor), id);
  }

  @Put('residents/:id/alarm-rules')
  @ApiOkResponse({
    type: ResidentAlarmRulesViewDto,
    description: "Replaces the resident's own rules; the response centre applies them from the next event",
  })
  @ApiNotFoundResponse()
  @ApiUnprocessableEntityResponse({ description: 'A zone mixes circle and polygon fields' })
  setResidentRules(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() body: ResidentAlarmRulesDto,
  ): Promise<ResidentAlarmRulesViewDto> {
    return this.rules.setResidentRules(tenancyOf(actor), id, body);
  }

  @Get('municipalities/:id/alarm-rule-defaults')
  @ApiOkResponse({ type: AlarmRuleDefaultsDto })
  @ApiNotFoundResponse()
  municipalityDefaults(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<AlarmRuleDefaultsDto> {
    return this.rules.municipalityDefaults(tenancyOf(actor), id);
  }

  @Put('municipalities/:id/alarm-rule-defaults')
  @ApiOkResponse({
    type: AlarmRuleDefaultsDto,
    description: 'Replaces the defaults; residents without their own rule follow from the next event',
  })
  @ApiNotFoundResponse()
  setMunicipalityDefaults(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() body: AlarmRuleDefaultsDto,
  ): Promise<AlarmRuleDefaultsDto> {
    return this.rules.setMunicipalityDefaults(tenancyOf(actor), id, body);
  }
}
