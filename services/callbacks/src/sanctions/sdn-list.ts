// Loads a sanctions list in the layout of OFAC's SDN files
// (https://www.treasury.gov/ofac/downloads/sdn.csv and alt.csv): no header row,
// `ent_num, SDN_Name, SDN_Type, Program, …` with `-0- ` for empty cells; alt.csv
// rows are `ent_num, alt_num, alt_type, alt_name, alt_remarks`. A file whose
// first row names its columns (`ent_num`/`id`, `name`/`sdn_name`, `type`) is
// read by header instead, which makes small hand-written lists easy.
import { readFileSync } from 'node:fs';

export interface SanctionsEntry {
  id: string;
  /** The listed name as written (`DOE, John`). */
  name: string;
  /** individual, vessel, aircraft, or '' for entities (OFAC writes -0-). */
  type: string;
  program: string;
  /** Other names (aliases) the entry is known by. */
  aliases: string[];
}

/** Splits CSV text into rows (RFC 4180 quotes, `""` escapes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch === '\x1a') {
      // OFAC files end with a DOS end-of-file byte.
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}

function clean(cell: string | undefined): string {
  const value = (cell ?? '').trim();
  return value === '-0-' ? '' : value;
}

/** Parses sdn.csv text (and optionally alt.csv text) into entries. */
export function parseSanctionsList(sdnText: string, altText?: string): SanctionsEntry[] {
  const rows = parseCsv(sdnText);
  const first = rows[0]?.map((c) => c.trim().toLowerCase()) ?? [];
  const hasHeader = first.some((c) => c === 'name' || c === 'sdn_name');
  let columns = { id: 0, name: 1, type: 2, program: 3 };
  if (hasHeader) {
    const find = (...names: string[]) => first.findIndex((c) => names.includes(c));
    columns = {
      id: find('ent_num', 'id', 'uid'),
      name: find('sdn_name', 'name'),
      type: find('sdn_type', 'type'),
      program: find('program', 'programs'),
    };
  }
  const entries = new Map<string, SanctionsEntry>();
  (hasHeader ? rows.slice(1) : rows).forEach((row, index) => {
    const name = clean(row[columns.name]);
    if (!name) return;
    const id = (columns.id >= 0 ? clean(row[columns.id]) : '') || String(index + 1);
    entries.set(id, {
      id,
      name,
      type: columns.type >= 0 ? clean(row[columns.type]).toLowerCase() : '',
      program: columns.program >= 0 ? clean(row[columns.program]) : '',
      aliases: [],
    });
  });
  if (altText) {
    for (const row of parseCsv(altText)) {
      const entry = entries.get(clean(row[0]));
      const alias = clean(row[3]);
      if (entry && alias) entry.aliases.push(alias);
    }
  }
  return [...entries.values()];
}

/** Reads the list files named in the config. */
export function loadSanctionsList(listFile: string, altFile?: string): SanctionsEntry[] {
  const alt = altFile ? readFileSync(altFile, 'utf8') : undefined;
  return parseSanctionsList(readFileSync(listFile, 'utf8'), alt);
}
