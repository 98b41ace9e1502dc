import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CreateHomeCareTeamDto, HomeCareTeamDto, ListHomeCareTeamsQueryDto, UpdateHomeCareTeamDto } from './dto/home-care-team.dto';
import { HomeCareTeamsService } from './home-care-teams.service';

const uuid = new ParseUUIDPipe();

@ApiTags('home-care teams')
@Controller('api/home-care-teams')
export class HomeCareTeamsController {
  constructor(private readonly teams: HomeCareTeamsService) {}

  @Get()
  @ApiOkResponse({ type: [HomeCareTeamDto] })
  list(@Query() query: ListHomeCareTeamsQueryDto): Promise<HomeCareTeamDto[]> {
    return this.teams.list(query.municipalityId);
  }

  @Get(':id')
  @ApiOkResponse({ type: HomeCareTeamDto })
  @ApiNotFoundResponse()
  get(@Param('id', uuid) id: string): Promise<HomeCareTeamDto> {
    return this.teams.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: HomeCareTeamDto })
  @ApiNotFoundResponse({ description: 'No such municipality' })
  @ApiConflictResponse({ description: 'The municipality has a team with this name' })
  create(@Body() body: CreateHomeCareTeamDto): Promise<HomeCareTeamDto> {
    return this.teams.create(body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: HomeCareTeamDto })
  @ApiNotFoundResponse()
  update(@Param('id', uuid) id: string, @Body() body: UpdateHomeCareTeamDto): Promise<HomeCareTeamDto> {
    return this.teams.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'A resident still belongs to it' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.teams.remove(id);
  }
}
