-- viewer_trace.sql — a synthetic 10-million-event gort trace for bench/b_4_viewer.sh, loaded
-- after tracer/schema.sql (recursive CTEs: nothing is committed but this text). Shape:
--   400 function names, 5000 stacks 8 to 32 frames deep sharing their outer frames (the frame
--   at position p from the root depends on the stack id's low p+1 bits);
--   20000 maps, each dying at map_id * 50 us; 500000 deferred calls, one per 20 events,
--   each deleting from map (n mod 20000) + 1 — some before the map's death, some after;
--   10000000 events on 4 threads, 100 ns apart: map operations, defer records, CPU samples.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO meta VALUES ('schema_version', '2'), ('command', 'bench/viewer_trace.sql');
INSERT INTO frames (id, pc, symbol, module)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
  SELECT i, 4194304 + i * 64, printf('pkg%02d.fn%03d', i % 23, i), '/bench' FROM n;
INSERT INTO stacks (id, depth)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
  SELECT i, 8 + (i * 7) % 25 FROM n;
INSERT INTO stack_entries (stack_id, depth, frame_id)
  WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 31)
  SELECT s.id, d.i, 1 + ((s.id % (1 << min(s.depth - d.i, 13))) * 37 + (s.depth - 1 - d.i) * 101) % 400
  FROM stacks s JOIN d ON d.i < s.depth;
INSERT INTO maps (map_id, created_ns, died_ns, death_cause, key_kind)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
  SELECT i, 0, i * 50000, CASE i % 2 WHEN 0 THEN 'gc' ELSE 'frame' END, 'int64' FROM n;
INSERT INTO defers (defer_id, goid, registered_ns, ran_ns, end_ns, fn, how)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 499999)
  SELECT i + 1, 1 + i % 4, i * 2000 + 1000, i * 2000 + 1100, i * 2000 + 1400, 'delete', 'return' FROM n;
INSERT INTO goroutines (goid, tid, created_ns, ended_ns) VALUES
  (1, 1000, 0, 1000000000), (2, 1001, 0, 1000000000), (3, 1002, 0, 1000000000), (4, 1003, 0, 1000000000);
INSERT INTO events (id, ts_ns, tid, goid, kind, map_id, defer_id, arg0, arg1, dur_ns, stack_id)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999999)
  SELECT i + 1, i * 100, 1000 + (i / 20) % 4, 1 + (i / 20) % 4,
         CASE i % 20 WHEN 10 THEN 'deferproc' WHEN 11 THEN 'deferreturn' WHEN 12 THEN 'mapdelete'
                     WHEN 13 THEN 'deferreturn_end' WHEN 14 THEN 'cpu_sample' WHEN 15 THEN 'hashgrow'
                     WHEN 16 THEN 'evacuate' WHEN 17 THEN 'mapiterinit'
                     ELSE CASE i % 2 WHEN 0 THEN 'mapassign' ELSE 'mapaccess' END END,
         CASE WHEN i % 20 IN (10, 11, 13, 14) THEN NULL
              WHEN i % 20 = 12 THEN (i / 20) % 20000 + 1 ELSE i % 20000 + 1 END,
         CASE WHEN i % 20 IN (10, 11, 12, 13) THEN i / 20 + 1 END,
         1, i % 1000,
         CASE WHEN i % 20 = 13 THEN 300 END,
         1 + (i * 2654435761) % 5000
  FROM n;
COMMIT;
