#!/usr/bin/env bash
# Exit 0 when a PostgreSQL server answers at the URL given (psql if present, else a TCP probe).
url="$1"
if command -v psql >/dev/null 2>&1; then
  psql "$url" -tAc 'SELECT 1' >/dev/null 2>&1
else
  hostport="${url#*@}"; hostport="${hostport%%/*}"
  host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=5432
  timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
fi
