import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import { tenancyOf } from '../access/tenancy';
import {
  CreateHomeCareTeamDto,
  HomeCareTeamDto,
  ListHomeCareTeamsQueryDto,
  UpdateHomeCareTeamDto,
} from './dto/home-care-team.dto';
import { HomeCareTeamsService } from './home-care-teams.service';

const uuid = new ParseUUIDPipe();

/** A municipality's administrators keep its teams; home-care staff see their own team. */
@ApiTags('home-care teams')
@ApiBearerAuth()
@Controller('api/home-care-teams')
export class HomeCareTeamsController {
  constructor(private readonly teams: HomeCareTeamsService) {}

  @Get()
  @Roles('municipality-admin', 'home-care')
  @ApiOkResponse({ type: [HomeCareTeamDto] })
  list(@CurrentActor() actor: Actor, @Query() query: ListHomeCareTeamsQueryDto): Promise<HomeCareTeamDto[]> {
    return this.teams.list(tenancyOf(actor), query.municipalityId);
  }

  @Get(':id')
  @Roles('municipality-admin', 'home-care')
  @ApiOkResponse({ type: HomeCareTeamDto })
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<HomeCareTeamDto> {
    return this.teams.get(tenancyOf(actor), id);
  }

  @Post()
  @Roles('municipality-admin')
  @ApiCreatedResponse({ type: HomeCareTeamDto })
  @ApiNotFoundResponse({ description: 'No such municipality' })
  @ApiConflictResponse({ description: 'The municipality has a team with this name' })
  create(@CurrentActor() actor: Actor, @Body() body: CreateHomeCareTeamDto): Promise<HomeCareTeamDto> {
    return this.teams.create(tenancyOf(actor), body);
  }

  @Patch(':id')
  @Roles('municipality-admin')
  @ApiOkResponse({ type: HomeCareTeamDto })
  @ApiNotFoundResponse()
  update(
    @CurrentActor() actor: Actor,
    @Param('id', uuid) id: string,
    @Body() body: UpdateHomeCareTeamDto,
  ): Promise<HomeCareTeamDto> {
    return this.teams.update(tenancyOf(actor), id, body);
  }

  @Delete(':id')
  @Roles('municipality-admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'A resident still belongs to it' })
  remove(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<void> {
    return this.teams.remove(tenancyOf(actor), id);
  }
}
