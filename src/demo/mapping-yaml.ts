// The demo's mapping file. It is the first one an integrator reads, so it is written by hand
// (comments included) rather than serialised from an object.

/** A YAML scalar: plain when that is unambiguous, otherwise a JSON string (valid YAML too). */
function scalar(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_.:/@-]*$/.test(value) ? value : JSON.stringify(value);
}

export function demoMappingYaml(opts: { schemaRef: string; baseUrl: string; clientId: string }): string {
  return `# yaml-language-server: $schema=${opts.schemaRef}
#
# Demo mapping file, written by \`clearnox-sync demo\`: copy it as the start of your own.
# It tells clearnox-sync three things: how to reach Clearnox, how to find the PDF of an
# accounting document number in your ERP database, and where those PDFs are stored.
# Relative paths are resolved against the folder of this file.
version: 1

clearnox:
  # The connector's credentials (Clearnox > Configure > Connector Configuration).
  baseUrl: ${scalar(opts.baseUrl)}
  clientId: ${scalar(opts.clientId)}
  # Never write the secret itself here: \${env:NAME} reads an environment variable,
  # \${file:/path} reads a file. The demo sets CLEARNOX_CLIENT_SECRET for you.
  clientSecret: \${env:CLEARNOX_CLIENT_SECRET}

source:
  # The ERP database, read-only. The demo's is a SQLite file; the other types take
  # host/database/user options instead of a path.
  type: sqlite
  path: erp.sqlite          # relative to this file's folder
  # One query per batch of document numbers, returning one row per document found.
  # Two lists can be bound:
  #   :documentNumbers     the numbers exactly as Clearnox spells them ("fa-2024- 00017");
  #   :normalizedNumbers   the same after the \`match\` rules below: trimmed, inner spaces
  #                        removed, upper-cased ("FA-2024-00017").
  # Clearnox often spells a number differently from the ERP, so compare normalised forms:
  # apply the same rules to the ERP column (UPPER, REPLACE of spaces) and bind
  # :normalizedNumbers. A plain "number IN (:documentNumbers)" would miss every entry
  # whose case or spacing differs. On a very large table, an index on that expression
  # (or a stored normalised column) keeps the look-up fast.
  query: |
    SELECT number AS documentNumber, pdf_file AS path, year
    FROM invoices
    WHERE UPPER(REPLACE(number, ' ', '')) IN (:normalizedNumbers)
  # Which column holds the document number (compared again, with the \`match\` rules,
  # to pair each row with its Clearnox entries)...
  documentNumberColumn: documentNumber
  # ...and which holds the PDF's path, relative to documents.root. When the ERP stores no
  # path, use pathTemplate instead, e.g. pathTemplate: "{{year}}/{{documentNumber}}.pdf".
  pathColumn: path

documents:
  # Where the PDFs are: a local folder or a mounted share (\\\\server\\share on Windows).
  type: local
  root: pdfs

match:
  # How a Clearnox number and an ERP number are compared. Keep these in step with the
  # query above: the normalised list it receives is built from them.
  trim: true                  # " FA-2024-00017 " = "FA-2024-00017"
  ignoreCase: true            # "fa-2024-00017" = "FA-2024-00017"
  removeInnerSpaces: true     # "FA - 2024 - 00017" = "FA-2024-00017" (but "FA 2024 00017"
                              # becomes "FA202400017": a space is removed, not read as "-")
  ignoreLeadingZeros: false   # true would make "FA-2024-17" = "FA-2024-00017"

upload:
  maxArchiveMiB: 50
  maxDocumentsPerArchive: 40   # small, so that the demo sends several archives
`;
}
