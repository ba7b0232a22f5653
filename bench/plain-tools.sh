#!/usr/bin/env bash
# The same work as `clearnox-sync run`, as a person would write it with the usual tools, one step
# after the other: curl + jq for the entries without a document, one mariadb query for their
# numbers, one sftp -b session getting the files, a %PDF- check, zip -0 per chunk within the
# API's limits with a metadata.json built by jq, then curl to upload each chunk and poll until
# it is completed. The whole-run benchmark (run.bench.ts) runs it beside clearnox-sync.
#
#   plain-tools.sh WORK_FOLDER
#
# Settings from the environment (secrets too: never on a command line, where ps shows them):
#   CLEARNOX_URL CLEARNOX_CLIENT_ID CLEARNOX_CLIENT_SECRET
#   DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD          (MariaDB/MySQL, table invoices (number, pdf))
#   SFTP_HOST SFTP_PORT SFTP_USER SFTP_KEY SFTP_KNOWN_HOSTS SFTP_ROOT
#   MAX_ARCHIVE_BYTES (default 100 MiB) MAX_ARCHIVE_DOCUMENTS (default 1000): the API's limits
set -euo pipefail
umask 077

work=${1:?usage: plain-tools.sh WORK_FOLDER}
max_bytes=${MAX_ARCHIVE_BYTES:-104857600}
max_docs=${MAX_ARCHIVE_DOCUMENTS:-1000}
# Room for the zip headers and metadata.json of a full chunk.
room=$((2 * 1024 * 1024))
api=$CLEARNOX_URL/api/v1
mkdir -p "$work/files"
# curl waits as told by Retry-After on 429 and 503 (the API's 10 requests a second, 2 imports at once).
call() { curl -sS --fail-with-body --retry 10 -H @"$work/auth.header" "$@"; }

# 1. A token; the secret goes through standard input.
printf %s "$CLEARNOX_CLIENT_SECRET" |
  curl -sS --fail-with-body --retry 5 --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=$CLEARNOX_CLIENT_ID" --data-urlencode client_secret@- "$CLEARNOX_URL/oauth/token" |
  jq -r '"Authorization: Bearer " + .access_token' >"$work/auth.header"

# 2. Every page of entries without a document, before anything is sent (the list shifts as
# documents are attached): documentNumber <tab> id.
: >"$work/entries.tsv"
page=1
pages=1
while [ "$page" -le "$pages" ]; do
  call "$api/entries/without-document?page=$page&pageSize=1000" >"$work/page.json"
  pages=$(jq -r .totalPages "$work/page.json")
  jq -r '.data[] | [.documentNumber, .id] | @tsv' "$work/page.json" >>"$work/entries.tsv"
  page=$((page + 1))
done
if [ ! -s "$work/entries.tsv" ]; then
  echo "no entry without a document"
  exit 0
fi

# 3. One query for all the numbers: number <tab> pdf path. The SQL goes in on standard input,
# too long for a command line.
cut -f1 "$work/entries.tsv" | sort -u |
  awk 'BEGIN { printf "SELECT number, pdf FROM invoices WHERE number IN (" }
       { gsub(/\047/, "\047\047"); printf "%s\047%s\047", (NR > 1 ? "," : ""), $0 }
       END { print ");" }' >"$work/query.sql"
printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword=%s\n' "$DB_HOST" "$DB_PORT" "$DB_USER" "$DB_PASSWORD" >"$work/db.cnf"
mariadb --defaults-extra-file="$work/db.cnf" --protocol=TCP -N -B "$DB_NAME" <"$work/query.sql" | sort -u >"$work/rows.tsv"

# 4. One SFTP session getting every file found, named by its document number.
awk -F '\t' -v root="$SFTP_ROOT" -v dir="$work/files" '{ printf "-get \"%s/%s\" \"%s/%s.pdf\"\n", root, $2, dir, $1 }' "$work/rows.tsv" >"$work/sftp.batch"
sftp -q -b "$work/sftp.batch" -i "$SFTP_KEY" -P "$SFTP_PORT" -o BatchMode=yes -o StrictHostKeyChecking=yes \
  -o UserKnownHostsFile="$SFTP_KNOWN_HOSTS" "$SFTP_USER@$SFTP_HOST" >/dev/null

# 5. Only PDFs go: number <tab> size of each file that starts with %PDF-.
find "$work/files" -name '*.pdf' -printf '%f\t%s\n' | sort >"$work/found.tsv"
: >"$work/valid.tsv"
while IFS=$'\t' read -r name size; do
  if [ "$(head -c 5 "$work/files/$name")" = "%PDF-" ]; then
    printf '%s\t%s\n' "${name%.pdf}" "$size" >>"$work/valid.tsv"
  else
    echo "not a PDF: $name" >&2
  fi
done <"$work/found.tsv"

# 6. Chunks within the limits: chunk-N.list (the files) and chunk-N.tsv (fileName, documentNumber,
# entry id: one line per entry, several entries may share a number).
rm -f "$work"/chunk-*
chunks=$(awk -F '\t' -v max_bytes=$((max_bytes - room)) -v max_docs="$max_docs" -v dir="$work" '
  NR == FNR { ids[$1] = ($1 in ids) ? ids[$1] "\t" $2 : $2; next }
  {
    if (n == 0 || n + 1 > max_docs || bytes + $2 > max_bytes) {
      if (chunk) { close(list); close(meta) }
      chunk++; n = 0; bytes = 0
      list = dir "/chunk-" chunk ".list"; meta = dir "/chunk-" chunk ".tsv"
    }
    n++; bytes += $2
    print dir "/files/" $1 ".pdf" > list
    k = split(ids[$1], each, "\t")
    for (j = 1; j <= k; j++) print $1 ".pdf\t" $1 "\t" each[j] > meta
  }
  END { print chunk + 0 }' "$work/entries.tsv" "$work/valid.tsv")

# 7. Each chunk zipped (stored: PDFs are compressed already), sent, and waited for.
for c in $(seq 1 "$chunks"); do
  zip="$work/chunk-$c.zip"
  mkdir -p "$work/meta"
  jq -R -s '{version: 1, documents: (split("\n") | map(select(length > 0) | split("\t"))
    | group_by(.[1]) | map({fileName: .[0][0], documentNumber: .[0][1], entryIds: map(.[2])}))}' \
    "$work/chunk-$c.tsv" >"$work/meta/metadata.json"
  zip -0 -j -q "$zip" -@ <"$work/chunk-$c.list"
  zip -0 -j -q "$zip" "$work/meta/metadata.json"
  import=$(call -H "Idempotency-Key: plain-tools-$$-$c" -F "file=@$zip;type=application/zip" "$api/documents/imports" | jq -r .importId)
  while :; do
    status=$(call "$api/documents/imports/$import" | jq -r .status)
    case $status in
      completed) break ;;
      failed) echo "import $import failed" >&2; exit 1 ;;
    esac
    sleep 1
  done
  rm -f "$zip"
done
echo "$chunks archives sent, $(wc -l <"$work/valid.tsv") documents"
