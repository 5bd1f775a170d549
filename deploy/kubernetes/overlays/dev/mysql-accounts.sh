#!/bin/bash
# Run by the Job mysql-accounts (mysql-accounts.yaml) against the dev MySQL: for each service, its
# schema, a migrator account mig_<name> that may change that schema and its rows (the init
# container that applies migrations) and a runtime account svc_<name> that may only read and
# write rows (SELECT, INSERT, UPDATE, DELETE). Grant, revoke all, grant again: whatever an account
# held before, it ends with exactly these rights. Passwords come from the Secret tiktok-mysql
# mounted at /secrets. Re-running it applies changed passwords and rights; it drops nothing.
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

ddl="SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES"
dml="SELECT, INSERT, UPDATE, DELETE"
sql=""
# account USER PASSWORD RIGHTS GRANT_DB: the statements that leave USER with exactly RIGHTS.
account() {
  sql+="CREATE USER IF NOT EXISTS '$1'@'%' IDENTIFIED BY '$2';
ALTER USER '$1'@'%' IDENTIFIED BY '$2';
GRANT $3 ON \`$4\`.* TO '$1'@'%';
REVOKE ALL PRIVILEGES ON \`$4\`.* FROM '$1'@'%';
GRANT $3 ON \`$4\`.* TO '$1'@'%';
"
}
for s in user video favorite comment relation message; do
  db="tiktok_$s"
  # In GRANT, "_" is a wildcard unless escaped.
  grant_db="tiktok\\_$s"
  sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
"
  account "mig_$s" "$(secret "$s-migrator")" "$ddl" "$grant_db"
  account "svc_$s" "$(secret "$s")" "$dml" "$grant_db"
done
mysql --host="$host" --user=root --execute="$sql"
echo "schemas and accounts are in place"
