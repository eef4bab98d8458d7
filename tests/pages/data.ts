// The expected numbers, computed here from the generated items (the demo's sample.jsonl),
// independently of the server and its API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Attr = { S?: string; N?: string; [k: string]: unknown };
export type Item = Record<string, Attr>;

export function loadItems(): Item[] {
  const dir = process.env.E2E_DATA ?? '/tmp/dynamo-lake-e2e';
  return readFileSync(join(dir, 'sample.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Item);
}

const day = (i: Item) => (i.InitiationTimestamp.S as string).slice(0, 10);

export function inRange(items: Item[], from?: string, to?: string): Item[] {
  return items.filter((i) => (!from || day(i) >= from) && (!to || day(i) <= to));
}

export function stats(items: Item[]) {
  const distinct = (attr: string) => new Set(items.map((i) => i[attr]?.S).filter((v) => v !== undefined)).size;
  return {
    totalRows: items.length,
    uniqueContacts: distinct('ContactId'),
    channels: distinct('Channel'),
    agents: distinct('Agent'),
  };
}

export function days(items: Item[]): string[] {
  return [...new Set(items.map(day))].sort();
}
