import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The operator console page (static files; it calls the API with the operator's token). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
