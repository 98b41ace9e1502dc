import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CreateResponseCentreDto, ResponseCentreDto, UpdateResponseCentreDto } from './dto/response-centre.dto';
import { ResponseCentresService } from './response-centres.service';

const uuid = new ParseUUIDPipe();

@ApiTags('response centres')
@Controller('api/response-centres')
export class ResponseCentresController {
  constructor(private readonly centres: ResponseCentresService) {}

  @Get()
  @ApiOkResponse({ type: [ResponseCentreDto] })
  list(): Promise<ResponseCentreDto[]> {
    return this.centres.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: ResponseCentreDto })
  @ApiNotFoundResponse()
  get(@Param('id', uuid) id: string): Promise<ResponseCentreDto> {
    return this.centres.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: ResponseCentreDto })
  @ApiConflictResponse({ description: 'A centre with this name exists' })
  create(@Body() body: CreateResponseCentreDto): Promise<ResponseCentreDto> {
    return this.centres.create(body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ResponseCentreDto })
  @ApiNotFoundResponse()
  update(@Param('id', uuid) id: string, @Body() body: UpdateResponseCentreDto): Promise<ResponseCentreDto> {
    return this.centres.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'It still serves a municipality' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.centres.remove(id);
  }
}
