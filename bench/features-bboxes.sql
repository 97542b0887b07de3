-- The bbox pages of bench/features, one `minx,miny,maxx,maxy count` per line (EPSG:4326; count:
-- the active cameras in the bbox, edges included, which every server must answer; counted with
-- ST_Intersects, as `&&` alone compares float4 boxes and takes in points just outside): around
-- :pages active cameras picked in a fixed pseudo-random order, a square (in degrees) sized to
-- hold about :per_page active cameras. A circle around the centre through its k-th nearest
-- neighbour holds k cameras, and the square around that circle about 4/π times as many, so the
-- half side is the distance to the (:per_page · π/4)-th nearest one. Rounded outwards to 1e-6°.
-- Run with psql -At -v pages=N -v per_page=M after bench/features-same-work.sql.
WITH centres AS (
  SELECT id, geom
  FROM canvass_bench.cameras
  ORDER BY md5(id::text)
  LIMIT :pages
), boxes AS (
  SELECT c.id,
         floor((ST_X(c.geom) - r.half) * 1e6) / 1e6 AS minx,
         floor((ST_Y(c.geom) - r.half) * 1e6) / 1e6 AS miny,
         ceil((ST_X(c.geom) + r.half) * 1e6) / 1e6 AS maxx,
         ceil((ST_Y(c.geom) + r.half) * 1e6) / 1e6 AS maxy
  FROM centres c
  CROSS JOIN LATERAL (
    SELECT n.geom <-> c.geom AS half
    FROM canvass_bench.cameras n
    ORDER BY n.geom <-> c.geom
    OFFSET round(:per_page * pi() / 4)::integer - 1
    LIMIT 1
  ) r
)
SELECT concat_ws(',', minx, miny, maxx, maxy) || ' ' || (
         SELECT count(*)
         FROM canvass_bench.cameras n
         WHERE ST_Intersects(n.geom, ST_MakeEnvelope(minx, miny, maxx, maxy, 4326)))
FROM boxes
ORDER BY md5(id::text);
