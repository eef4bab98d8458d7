import { expect, test } from '@playwright/test';
import { inRange, loadItems, stats } from '../pages/data';

test('GET /api/stats returns the four numbers', async ({ request }) => {
  const res = await request.get('/api/stats');
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual(stats(loadItems()));
});

test('GET /api/stats with a range counts only those days', async ({ request }) => {
  const res = await request.get('/api/stats?from=2026-10-20&to=2026-10-25');
  expect(await res.json()).toEqual(stats(inRange(loadItems(), '2026-10-20', '2026-10-25')));
});

test('a malformed API request is a 4xx with a JSON message', async ({ request }) => {
  const res = await request.get('/api/stats?from=yesterday&to=today');
  expect(res.status()).toBe(400);
  const body = await res.json();
  expect(body.error).toContain('from');
});
