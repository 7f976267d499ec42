// The sanctions list loader (OFAC SDN layout and header CSV) and the name matcher.
import { describe, expect, it } from 'vitest';
import { NameScreener, levenshtein, nameTokens } from '../src/sanctions/matcher.js';
import { loadSanctionsList, parseCsv, parseSanctionsList } from '../src/sanctions/sdn-list.js';
import { SAMPLE_ALT, SAMPLE_LIST } from './helpers.js';

describe('sanctions list loader', () => {
  it('reads the OFAC sdn.csv layout with alt.csv aliases', () => {
    const entries = loadSanctionsList(SAMPLE_LIST, SAMPLE_ALT);
    expect(entries).toHaveLength(6);
    expect(entries[0]).toEqual({
      id: '9001',
      name: 'VOLKOV, Ivan Petrovich',
      type: 'individual',
      program: 'SAMPLE-PROGRAM',
      aliases: ['VOLKOFF, Ivan'],
    });
    expect(entries.find((e) => e.id === '9005')?.type).toBe('');
  });

  it('parses quoted cells, doubled quotes, CRLF and the DOS end-of-file byte', () => {
    expect(parseCsv('1,"A, ""B""",c\r\n2,d,\r\n\x1a')).toEqual([
      ['1', 'A, "B"', 'c'],
      ['2', 'd', ''],
    ]);
  });

  it('reads a CSV with a header row by column name', () => {
    const entries = parseSanctionsList('uid,type,name\n7,individual,"DOE, John"\n8,entity,ACME SHELL CO\n');
    expect(entries.map((e) => [e.id, e.name, e.type])).toEqual([
      ['7', 'DOE, John', 'individual'],
      ['8', 'ACME SHELL CO', 'entity'],
    ]);
  });
});

describe('name matcher', () => {
  const screener = new NameScreener(loadSanctionsList(SAMPLE_LIST, SAMPLE_ALT), 0.85);

  it('normalises case, accents, special letters and punctuation', () => {
    expect(nameTokens('  MÜLLER, Hans-Dieter ')).toEqual(['muller', 'hans', 'dieter']);
    expect(nameTokens('Strauß Øresund Łukasz')).toEqual(['strauss', 'oresund', 'lukasz']);
    expect(nameTokens('!!!')).toEqual([]);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
  });

  it.each([
    ['Ivan Petrovich Volkov', 'exact', '9001'],
    ['volkov ivan petrovich', 'exact', '9001'],
    ['Hans Dieter Müller', 'exact', '9004'],
    ['Hans-Dieter Mueller', 'exact', '9004'],
    ['Blackwater Harbor Trading', 'exact', '9005'],
    ['Petra Nowak', 'fuzzy', '9006'],
    ['Ivan Volkov', 'fuzzy', '9001'],
    ['Khalid Omar Al Rashid', 'fuzzy', '9003'],
    ['Carla Morales', 'fuzzy', '9002'],
  ])('%s is an %s match of entry %s', (name, kind, id) => {
    expect(screener.screen([name])).toMatchObject({ kind, entryId: id });
  });

  it.each(['Aldi Dobbs', 'Ivan', 'Petra', 'Hans Schmidt', 'Carla Rivas Ortega', 'Maria Volkova Smith'])(
    '%s is no match',
    (name) => {
      expect(screener.screen([name])).toBeUndefined();
    },
  );

  it('reports the strongest match of several names', () => {
    expect(screener.screen(['Petra Nowak', 'Petra Novak'])).toMatchObject({
      kind: 'exact',
      screenedName: 'Petra Novak',
    });
  });

  it('a higher threshold lets close names through', () => {
    const strict = new NameScreener(loadSanctionsList(SAMPLE_LIST), 0.95);
    expect(strict.screen(['Petra Nowak'])).toBeUndefined();
    expect(strict.screen(['Novak Petra'])).toMatchObject({ kind: 'exact' });
  });
});
