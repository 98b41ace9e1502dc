export * from './topics';
export * from './device-event.types';
export * from './device-event.schema';
export * from './device-command.types';
export * from './device-message.validator';
export * from './kafka-records';
export * from './device-time';
export * from './registry-records';
