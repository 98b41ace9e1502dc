/** Commands the backend sends to a device on `devices/{id}/commands` (contract section 2). */
export interface AlarmReceivedCommand {
  type: 'alarm.received';
  /** The id of the device event that opened (or was attached to) the alarm. */
  ref: string;
  alarmId: string;
}

export interface AlarmAcknowledgedCommand {
  type: 'alarm.acknowledged';
  alarmId: string;
}

export type DeviceCommand = AlarmReceivedCommand | AlarmAcknowledgedCommand;
