#!/bin/sh
# InfluxDB 1.8's official image creates its users on first start from INFLUXDB_ADMIN_PASSWORD
# and INFLUXDB_USER_PASSWORD; it does not read *_FILE variables (it would make random
# passwords, and the wall would get 401). Read the passwords from the compose secrets, then
# start exactly as the image does.
set -eu
SECRETS="${SECRETS:-/run/secrets}"
INFLUXDB_ADMIN_PASSWORD="$(cat "$SECRETS/influx_admin_password")"
INFLUXDB_USER_PASSWORD="$(cat "$SECRETS/influx_password")"
export INFLUXDB_ADMIN_PASSWORD INFLUXDB_USER_PASSWORD
exec "${IMAGE_ENTRYPOINT:-/entrypoint.sh}" "$@"
