#!/bin/sh
# The broker's service accounts, for the compose stack (the project's own scripts write the same
# into dynamic-security.json: infra/src/broker-accounts.ts). Idempotent: run before and after
# the broker starts; the first run creates the plugin's file with the registry's admin account.
set -eu
FILE=/mosquitto/data/dynamic-security.json
if [ "${1:-}" = "init" ]; then
  [ -f "$FILE" ] || mosquitto_ctrl dynsec init "$FILE" "$BROKER_ADMIN_USERNAME" "$BROKER_ADMIN_PASSWORD"
  exit 0
fi
ctl() { mosquitto_ctrl -h mosquitto -u "$BROKER_ADMIN_USERNAME" -P "$BROKER_ADMIN_PASSWORD" dynsec "$@" || true; }
# The registry's admin account may do more than dynsec by default (mosquitto_ctrl's admin role
# also reads every topic); production should narrow it to $CONTROL/dynamic-security/#.
ctl createRole welfare-ingestor
ctl addRoleACL welfare-ingestor subscribePattern 'devices/+/events' allow
# Mosquitto 2.0 checks a shared subscription's ACL on the whole filter, $share/GROUP/ included.
ctl addRoleACL welfare-ingestor subscribePattern '$share/+/devices/+/events' allow
ctl addRoleACL welfare-ingestor publishClientSend 'devices/+/commands' allow
ctl createClient "$MQTT_USERNAME" -p "$MQTT_PASSWORD"
ctl setClientPassword "$MQTT_USERNAME" "$MQTT_PASSWORD"
ctl addClientRole "$MQTT_USERNAME" welfare-ingestor
ctl setDefaultACLAccess publishClientSend deny subscribe deny
