-- A hand-written gort trace with one deferred call of each verdict, loaded after
-- tracer/schema.sql. Times are ns. The expected outputs in tests/t_viewer_*.sh are worked out
-- by hand from these rows (see the comments there).
--   map 1: created 100, grows, deferred delete at 4100 (defer 1), dies with its frame at 5000:
--          safe, gap 4100-5000 = -900
--   map 2: created 200, freed by GC cycle 1 at 3000, deferred delete at 6100 on goroutine 2
--          (defer 2) reported map_use_after_free: use-after-free, gap 6100-3000 = 3100
--   map 3: created 300, never dies; deferred delete at 7100 (defer 3): map-still-alive
--   defer 4: deferred delete on a nil map at 8100: nil-map
--   defer 5: registered, never ran
INSERT INTO meta VALUES ('schema_version', '2'), ('command', './scenarios --demo'),
  ('exit_status', '0'), ('events_lost', '5');
INSERT INTO frames (id, pc, symbol, module) VALUES
  (1, 4198400, 'main.main', '/bin/prog'), (2, 4198500, 'main.work', '/bin/prog'),
  (3, 4198600, 'gort_map_assign', '/bin/prog'), (4, 4198700, 'gort_map_grow', '/bin/prog'),
  (5, 4198800, 'gort_defer_push', '/bin/prog'), (6, 4198900, 'gort_deferreturn', '/bin/prog'),
  (7, 4199000, 'gort_map_delete', '/bin/prog'),
  (8, 4199100, 'hostile <a&b> "q" ''x''', '/bin/prog'),
  (9, 4199200, 'función_ñ', '/bin/prog'), (10, 4199300, '日本語', '/bin/prog'),
  (11, 4198826, NULL, '/bin/prog'), (12, 4199500, 'main.spin', '/bin/prog'),
  (13, 4199600, 'name;with;semicolons', '/bin/prog'), (14, 4199700, 'gort_makemap', '/bin/prog');
INSERT INTO stacks (id, depth) VALUES (1, 3), (2, 3), (3, 4), (4, 3), (5, 3), (6, 6), (7, 4), (8, 2);
INSERT INTO stack_entries (stack_id, depth, frame_id) VALUES
  (1, 0, 14), (1, 1, 2), (1, 2, 1),
  (2, 0, 3), (2, 1, 2), (2, 2, 1),
  (3, 0, 4), (3, 1, 3), (3, 2, 2), (3, 3, 1),
  (4, 0, 5), (4, 1, 2), (4, 2, 1),
  (5, 0, 6), (5, 1, 2), (5, 2, 1),
  (6, 0, 7), (6, 1, 8), (6, 2, 9), (6, 3, 6), (6, 4, 2), (6, 5, 1),
  (7, 0, 12), (7, 1, 10), (7, 2, 11), (7, 3, 1),
  (8, 0, 13), (8, 1, 1);
INSERT INTO events (id, ts_ns, tid, goid, kind, map_id, defer_id, arg0, arg1, dur_ns, stack_id) VALUES
  (1, 100, 100, 1, 'makemap', 1, NULL, 0, 0, NULL, 1),
  (2, 200, 100, 1, 'makemap', 2, NULL, 0, 0, NULL, 1),
  (3, 300, 100, 1, 'makemap', 3, NULL, 0, 0, NULL, 1),
  (4, 400, 100, 1, 'mapassign', 1, NULL, 1, 1, NULL, 2),
  (5, 500, 100, 1, 'mapassign', 1, NULL, 1, 2, NULL, 2),
  (6, 600, 100, 1, 'mapassign', 2, NULL, 1, 1, NULL, 2),
  (7, 700, 100, 1, 'hashgrow', 1, NULL, 1, 0, NULL, 3),
  (8, 800, 100, 1, 'evacuate', 1, NULL, 0, 2, NULL, 3),
  (9, 900, 100, 1, 'deferproc', 1, 1, 1, 0, NULL, 4),
  (10, 1000, 101, 2, 'deferproc', 2, 2, 1, 0, NULL, 4),
  (11, 1100, 100, 1, 'deferproc', 3, 3, 1, 0, NULL, 4),
  (12, 1200, 100, 1, 'deferproc', NULL, 4, 1, 0, NULL, 4),
  (13, 1300, 100, 1, 'deferproc', NULL, 5, 1, 0, NULL, 4),
  (14, 2000, 100, NULL, 'gc_start', NULL, NULL, 1, 2, NULL, NULL),
  (15, 2050, 100, NULL, 'stw_start', NULL, NULL, 1, 0, NULL, NULL),
  (16, 2100, 100, NULL, 'stw_end', NULL, NULL, 1, 0, 50, NULL),
  (17, 2100, 100, NULL, 'gc_mark_start', NULL, NULL, 0, 0, NULL, NULL),
  (18, 2900, 100, NULL, 'gc_mark_termination', NULL, NULL, 0, 0, NULL, NULL),
  (19, 2950, 100, NULL, 'stw_start', NULL, NULL, 0, 0, NULL, NULL),
  (20, 3000, 100, NULL, 'mapfree', 2, NULL, 1, 1, NULL, NULL),
  (21, 3050, 100, NULL, 'stw_end', NULL, NULL, 0, 0, 100, NULL),
  (22, 3100, 100, NULL, 'gc_sweep_start', NULL, NULL, 0, 0, NULL, NULL),
  (23, 3400, 100, NULL, 'gc_sweep_done', NULL, NULL, 3, 512, NULL, NULL),
  (24, 3500, 100, NULL, 'gc_end', 1, 3, 4096, 1024, NULL, NULL),
  (25, 4000, 100, 1, 'deferreturn', NULL, 1, 1, 0, NULL, 5),
  (26, 4100, 100, 1, 'mapdelete', 1, 1, 1, 1, NULL, 6),
  (27, 4200, 100, 1, 'deferreturn_end', NULL, 1, 0, 0, 200, 5),
  (28, 5000, 100, 1, 'mapfree', 1, NULL, 2, 1, NULL, NULL),
  (29, 6000, 101, 2, 'deferreturn', NULL, 2, 1, 0, NULL, 5),
  (30, 6100, 101, 2, 'map_use_after_free', 2, 2, 4, 0, NULL, 6),
  (31, 6200, 101, 2, 'deferreturn_end', NULL, 2, 0, 0, 200, 5),
  (32, 7000, 100, 1, 'deferreturn', NULL, 3, 1, 0, NULL, NULL),
  (33, 7100, 100, 1, 'mapdelete', 3, 3, 1, 0, NULL, 6),
  (34, 7200, 100, 1, 'deferreturn_end', NULL, 3, 0, 0, 200, NULL),
  (35, 8000, 100, 1, 'deferreturn', NULL, 4, 2, 0, NULL, NULL),
  (36, 8100, 100, 1, 'mapdelete', NULL, 4, 0, 0, NULL, NULL),
  (37, 8200, 100, 1, 'deferreturn_end', NULL, 4, 0, 0, 200, NULL),
  (38, 9000, 100, 1, 'cpu_sample', NULL, NULL, 0, 0, NULL, 7),
  (39, 9500, 100, 1, 'cpu_sample', NULL, NULL, 0, 0, NULL, 7),
  (40, 9600, 100, 1, 'cpu_sample', NULL, NULL, 0, 0, NULL, 8),
  (41, 9900, 101, 2, 'goend', NULL, NULL, 0, 0, NULL, NULL);
INSERT INTO maps (map_id, created_ns, died_ns, death_cause, key_kind, peak_len, peak_B, grows) VALUES
  (1, 100, 5000, 'frame', 'int64', 2, 1, 1),
  (2, 200, 3000, 'gc', 'string', 1, 0, 0),
  (3, 300, NULL, NULL, 'int64', 0, 0, 0);
INSERT INTO defers (defer_id, goid, registered_ns, ran_ns, end_ns, fn, how) VALUES
  (1, 1, 900, 4000, 4200, 'delete', 'return'),
  (2, 2, 1000, 6000, 6200, 'delete', 'return'),
  (3, 1, 1100, 7000, 7200, 'delete', 'return'),
  (4, 1, 1200, 8000, 8200, 'delete', 'panic'),
  (5, 1, 1300, NULL, NULL, 'main.cleanup', 'never');
INSERT INTO gc_cycles (cycle, start_ns, mark_start_ns, mark_termination_ns, sweep_start_ns,
  sweep_done_ns, end_ns, stw_ns, heap_before, heap_after, maps_freed) VALUES
  (1, 2000, 2100, 2900, 3100, 3400, 3500, 150, 4096, 1024, 1);
INSERT INTO goroutines (goid, tid, created_ns, ended_ns) VALUES (1, 100, 0, 9950), (2, 101, 950, 9900);
INSERT INTO lost (tid, first_ns, last_ns, count) VALUES (101, 9700, 9800, 5);
