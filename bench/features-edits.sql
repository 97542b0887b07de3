-- The edits of bench/features before it reads the change feed: :edits active cameras, picked in
-- a fixed pseudo-random order, each get a new retention (one day more, wrapping at the maximum),
-- in ten transactions of one UPDATE each, as edits arriving in batches. Every edit makes one
-- `upsert` in the feed. Run with psql -v edits=N (autocommit on, so that each UPDATE commits).
CREATE TEMP TABLE bench_edits AS
SELECT id, ntile(10) OVER (ORDER BY id) AS batch
FROM (
  SELECT id FROM canvass_bench.cameras ORDER BY md5('edit' || id) LIMIT :edits
) picked;

SELECT format(
  'UPDATE public.cameras SET retention_days = coalesce(retention_days, 0) %% 3650 + 1 '
  'WHERE id IN (SELECT id FROM bench_edits WHERE batch = %s)', batch)
FROM generate_series(1, 10) AS batch
\gexec
