#!/bin/bash
# Run by the Job mysql-accounts (mysql-accounts.yaml) against the dev MySQL: for each service, its
# schema, a migrator account with every privilege on that schema (the init container that applies
# migrations) and a runtime account that may only read and write rows. Passwords come from the
# Secret tiktok-mysql mounted at /secrets. Re-running it applies changed passwords; it drops nothing.
set -euo pipefail
secrets="${SECRETS_DIR:-/secrets}"
host="${MYSQL_HOST:-mysql}"

# A value from the Secret, escaped for a single-quoted SQL string.
secret() {
  local v
  v="$(cat "$secrets/$1")"
  v="${v//\\/\\\\}"
  printf '%s' "${v//\'/\'\'}"
}

export MYSQL_PWD="$(cat "$secrets/root")"
# mysqladmin ping answers 0 once the server listens, even before the password is accepted.
until mysqladmin ping --host="$host" --user=root --silent; do
  echo "waiting for mysql"
  sleep 2
done

sql=""
for s in user video favorite comment relation message; do
  db="tiktok_$s"
  # In GRANT, "_" is a wildcard unless escaped.
  grant_db="tiktok\\_$s"
  mig="$(secret "$s-migrator")"
  run="$(secret "$s")"
  sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'mig_$s'@'%' IDENTIFIED BY '$mig';
ALTER USER 'mig_$s'@'%' IDENTIFIED BY '$mig';
GRANT ALL PRIVILEGES ON \`$grant_db\`.* TO 'mig_$s'@'%';
CREATE USER IF NOT EXISTS 'svc_$s'@'%' IDENTIFIED BY '$run';
ALTER USER 'svc_$s'@'%' IDENTIFIED BY '$run';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`$grant_db\`.* TO 'svc_$s'@'%';
"
done
mysql --host="$host" --user=root --execute="$sql"
echo "schemas and accounts are in place"
