-- schema.sql — the gort trace database, version 2. Documented column by column, with units,
-- in docs/schema.md (a test checks that the two agree). Conventions (as Perfetto's): times and
-- durations are integer nanoseconds since the start of the trace; a table of things the events
-- name by an id (maps, deferred calls, goroutines, GC cycles) has that id as its primary key,
-- named as the events name it (maps.map_id, ...), and no other id; a table of things only the
-- database names (stacks, frames, names, kinds, lost runs) keys them by `id`; references are
-- named *_id; an end that did not happen during the trace is NULL (never 0 or -1), and so is a
-- duration measured to it; losses and the recorder's own troubles are rows (stats), not logs.
-- Version 2 (from 1): maps, defers, goroutines and gc_cycles lost their separate `id`; the
-- gaps view says map-still-alive; the stats view.

PRAGMA user_version = 2;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);

-- Event kinds by number and name: the list of format/gort_record.h, which the recorder checks
-- this against (and tests/t_record_kinds.sh too, with the events view's CASE below).
CREATE TABLE kinds (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
INSERT INTO kinds (id, name) VALUES
    (1, 'makemap'),
    (2, 'mapaccess'),
    (3, 'mapassign'),
    (4, 'mapdelete'),
    (5, 'hashgrow'),
    (6, 'evacuate'),
    (7, 'growdone'),
    (8, 'mapclear'),
    (9, 'mapiterinit'),
    (10, 'mapfree'),
    (11, 'map_use_after_free'),
    (12, 'maptype'),
    (13, 'mapstack'),
    (14, 'stackmove'),
    (15, 'frame_exit'),
    (20, 'deferproc'),
    (21, 'deferreturn'),
    (22, 'deferreturn_end'),
    (23, 'panic'),
    (24, 'recover'),
    (25, 'goexit'),
    (26, 'gocreate'),
    (27, 'gostart'),
    (28, 'goend'),
    (29, 'fatal'),
    (40, 'gc_start'),
    (41, 'stw_start'),
    (42, 'stw_end'),
    (43, 'gc_mark_start'),
    (44, 'gc_mark_termination'),
    (45, 'gc_sweep_start'),
    (46, 'gc_sweep_done'),
    (47, 'gc_end'),
    (48, 'gc_assist'),
    (56, 'recorder_stall'),
    (60, 'cpu_sample'),
    (61, 'lost'),
    (62, 'name');

-- The events, stored compactly: the kind as its number (1 byte, where its name took 9); the
-- `events` view below gives every column the public schema promises, `kind` by name.
CREATE TABLE event_rows (
    id       INTEGER PRIMARY KEY,   -- order of emission per thread, merged by time
    ts_ns    INTEGER NOT NULL,      -- ns since trace start
    tid      INTEGER NOT NULL,      -- OS thread id
    goid     INTEGER,               -- goroutine id (main = 1), NULL outside a goroutine
    kind_id  INTEGER NOT NULL,      -- kinds.id: the kind's number in the record format
    map_id   INTEGER,               -- maps.map_id, NULL when the event concerns no map
    defer_id INTEGER,               -- defers.defer_id: the record itself, or the deferred call
                                    -- running on this thread when the event happened
    arg0     INTEGER,               -- kind-specific, see docs/schema.md
    arg1     INTEGER,
    dur_ns   INTEGER,               -- duration where measured, else NULL
    stack_id INTEGER                -- stacks.id, NULL without a stack
);

-- The events as the schema documents them (`kind` by name, 'kind63' for a number without
-- one), and kind_id. A CASE rather than a join with kinds: it keeps the view a plain
-- rename of one table, so SQLite flattens it into every query (rowid order, the indexes).
CREATE VIEW events AS
    SELECT r.id AS id, r.ts_ns AS ts_ns, r.tid AS tid, r.goid AS goid,
           CASE r.kind_id
             WHEN 1 THEN 'makemap' WHEN 2 THEN 'mapaccess' WHEN 3 THEN 'mapassign'
             WHEN 4 THEN 'mapdelete' WHEN 5 THEN 'hashgrow' WHEN 6 THEN 'evacuate'
             WHEN 7 THEN 'growdone' WHEN 8 THEN 'mapclear' WHEN 9 THEN 'mapiterinit'
             WHEN 10 THEN 'mapfree' WHEN 11 THEN 'map_use_after_free' WHEN 12 THEN 'maptype'
             WHEN 13 THEN 'mapstack' WHEN 14 THEN 'stackmove' WHEN 15 THEN 'frame_exit'
             WHEN 20 THEN 'deferproc' WHEN 21 THEN 'deferreturn' WHEN 22 THEN 'deferreturn_end'
             WHEN 23 THEN 'panic' WHEN 24 THEN 'recover' WHEN 25 THEN 'goexit'
             WHEN 26 THEN 'gocreate' WHEN 27 THEN 'gostart' WHEN 28 THEN 'goend'
             WHEN 29 THEN 'fatal' WHEN 40 THEN 'gc_start' WHEN 41 THEN 'stw_start'
             WHEN 42 THEN 'stw_end' WHEN 43 THEN 'gc_mark_start' WHEN 44 THEN 'gc_mark_termination'
             WHEN 45 THEN 'gc_sweep_start' WHEN 46 THEN 'gc_sweep_done' WHEN 47 THEN 'gc_end'
             WHEN 48 THEN 'gc_assist'
             WHEN 56 THEN 'recorder_stall' WHEN 60 THEN 'cpu_sample' WHEN 61 THEN 'lost'
             WHEN 62 THEN 'name'
             ELSE 'kind' || r.kind_id END AS kind,
           r.map_id AS map_id, r.defer_id AS defer_id, r.arg0 AS arg0, r.arg1 AS arg1,
           r.dur_ns AS dur_ns, r.stack_id AS stack_id, r.kind_id AS kind_id
    FROM event_rows r;

-- The view is writable as the table it replaces was (SQL that fills or edits a trace, as
-- bench/viewer_trace.sql does; gort record writes event_rows directly): a kind written by
-- name is stored by number.
CREATE TRIGGER events_insert INSTEAD OF INSERT ON events
BEGIN
    INSERT INTO event_rows (id, ts_ns, tid, goid, kind_id, map_id, defer_id, arg0, arg1,
                            dur_ns, stack_id)
    VALUES (NEW.id, NEW.ts_ns, NEW.tid, NEW.goid,
            coalesce(NEW.kind_id, (SELECT id FROM kinds WHERE name = NEW.kind),
                     CASE WHEN NEW.kind GLOB 'kind[0-9]*' THEN CAST(substr(NEW.kind, 5) AS INTEGER) END),
            NEW.map_id, NEW.defer_id, NEW.arg0, NEW.arg1, NEW.dur_ns, NEW.stack_id);
END;
CREATE TRIGGER events_update INSTEAD OF UPDATE ON events
BEGIN
    UPDATE event_rows
    SET id = NEW.id, ts_ns = NEW.ts_ns, tid = NEW.tid, goid = NEW.goid,
        kind_id = CASE WHEN NEW.kind IS OLD.kind THEN NEW.kind_id
                       ELSE coalesce((SELECT id FROM kinds WHERE name = NEW.kind),
                                     CASE WHEN NEW.kind GLOB 'kind[0-9]*'
                                          THEN CAST(substr(NEW.kind, 5) AS INTEGER) END) END,
        map_id = NEW.map_id, defer_id = NEW.defer_id, arg0 = NEW.arg0, arg1 = NEW.arg1,
        dur_ns = NEW.dur_ns, stack_id = NEW.stack_id
    WHERE id = OLD.id;
END;
CREATE TRIGGER events_delete INSTEAD OF DELETE ON events
BEGIN
    DELETE FROM event_rows WHERE id = OLD.id;
END;

CREATE TABLE stacks (
    id    INTEGER PRIMARY KEY,
    depth INTEGER NOT NULL          -- number of frames
);

-- Distinct code addresses, symbolized by the recorder after the program ran.
CREATE TABLE frames (
    id     INTEGER PRIMARY KEY,
    pc     INTEGER NOT NULL,        -- return address in the traced process
    symbol TEXT,                    -- function name, NULL when unknown
    module TEXT,                    -- path of the executable or shared object
    file   TEXT,                    -- source file where debug info exists
    line   INTEGER
);

CREATE TABLE stack_entries (
    id       INTEGER PRIMARY KEY,
    stack_id INTEGER NOT NULL,      -- stacks.id
    depth    INTEGER NOT NULL,      -- 0 = innermost
    frame_id INTEGER NOT NULL       -- frames.id
);

CREATE VIEW stack_frames AS
    SELECT se.stack_id AS stack_id, se.depth AS depth, f.symbol AS symbol, f.module AS module,
           f.file AS file, f.line AS line
    FROM stack_entries se JOIN frames f ON f.id = se.frame_id;

CREATE TABLE maps (
    map_id      INTEGER PRIMARY KEY,    -- the map's id in events
    created_ns  INTEGER,
    died_ns     INTEGER,            -- NULL if it never died during the trace
    death_cause TEXT,               -- 'gc', 'frame', NULL
    key_kind    TEXT,               -- 'int64', 'uint64', 'string', 'generic'
    peak_len    INTEGER,
    peak_B      INTEGER,
    grows       INTEGER,            -- number of hashgrow events
    on_stack    INTEGER             -- 1: its hmap lived in a goroutine's stack frame, 0: heap
);

CREATE TABLE defers (
    defer_id      INTEGER PRIMARY KEY,  -- the defer record's id in events
    goid          INTEGER,
    registered_ns INTEGER,          -- deferproc
    ran_ns        INTEGER,          -- start of the deferred call, NULL if it never ran
    end_ns        INTEGER,          -- end of the deferred call
    fn            TEXT,             -- 'delete' or the function's name
    how           TEXT              -- 'return', 'panic', 'goexit', 'never'
);

CREATE TABLE gc_cycles (
    cycle               INTEGER PRIMARY KEY,  -- gc_start's arg0
    start_ns            INTEGER,
    mark_start_ns       INTEGER,
    mark_termination_ns INTEGER,
    sweep_start_ns      INTEGER,
    sweep_done_ns       INTEGER,
    end_ns              INTEGER,
    stw_ns              INTEGER,    -- total stop-the-world pause of the cycle
    heap_before         INTEGER,    -- bytes
    heap_after          INTEGER,    -- bytes
    maps_freed          INTEGER,
    assists             INTEGER,    -- gc_assist events of the cycle
    assist_ns           INTEGER     -- their total duration
);

CREATE TABLE goroutines (
    goid       INTEGER PRIMARY KEY,     -- the goroutine's id in events
    tid        INTEGER,
    created_ns INTEGER,
    ended_ns   INTEGER
);

-- One row per run of lost events (--drop with full buffers).
CREATE TABLE lost (
    id       INTEGER PRIMARY KEY,
    tid      INTEGER NOT NULL,
    first_ns INTEGER,
    last_ns  INTEGER,
    count    INTEGER NOT NULL
);

-- One row per time a thread of the program waited for the recorder (its buffer was full and
-- the recorder had not yet made room): the recorder's own effect on the program, never silent.
CREATE TABLE stalls (
    id       INTEGER PRIMARY KEY,
    tid      INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns   INTEGER NOT NULL
);

-- Names the program sent once and events refer to by id (deferproc's arg1: the function).
CREATE TABLE names (
    id   INTEGER PRIMARY KEY,       -- the id events carry
    name TEXT NOT NULL
);

-- One row per map operation performed inside a deferred call, with gort gaps' verdicts (the
-- one vocabulary: use-after-free, nil-map, map-still-alive, safe; viewer/gapcalc.c).
CREATE VIEW gaps AS
    SELECT e.defer_id AS defer_id, e.map_id AS map_id, e.kind AS op, e.ts_ns AS op_ns,
           m.died_ns AS map_died_ns,
           CASE WHEN m.died_ns IS NOT NULL AND m.died_ns <= e.ts_ns
                THEN e.ts_ns - m.died_ns END AS gap_ns,
           CASE WHEN e.kind = 'map_use_after_free' THEN 'use-after-free'
                WHEN e.map_id IS NULL OR e.map_id = 0 THEN 'nil-map'
                WHEN m.died_ns IS NOT NULL AND m.died_ns <= e.ts_ns THEN 'use-after-free'
                WHEN m.died_ns IS NULL THEN 'map-still-alive'
                ELSE 'safe' END AS verdict
    FROM events e LEFT JOIN maps m ON m.map_id = e.map_id
    WHERE e.defer_id IS NOT NULL
      AND e.kind IN ('mapaccess', 'mapassign', 'mapdelete', 'mapclear', 'mapiterinit',
                     'map_use_after_free');

-- The losses, waits and recorder errors of the run, as Perfetto's stats table: one row per
-- counter (per thread where idx is a tid), always present, 0 when nothing happened. severity:
-- 'info' (the recording cost the program time), 'data_loss' (events the trace lacks), 'error'
-- (the recorder met something it could not read). source: 'trace' (counted while recording).
CREATE VIEW stats AS
    SELECT 'events_lost' AS name, NULL AS idx, 'data_loss' AS severity, 'trace' AS source,
           coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events_lost'), 0) AS value
    UNION ALL
    SELECT 'events_lost_thread', tid, 'data_loss', 'trace', sum(count) FROM lost GROUP BY tid
    UNION ALL
    SELECT 'producer_waits', NULL, 'info', 'trace',
           coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'producer_waits'), 0)
    UNION ALL
    SELECT 'records_malformed', NULL, 'error', 'trace',
           coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'records_malformed'), 0)
    UNION ALL
    SELECT 'recorder_stalls', NULL, 'info', 'trace', (SELECT count(*) FROM stalls)
    UNION ALL
    SELECT 'recorder_stall_ns', NULL, 'info', 'trace',
           coalesce((SELECT sum(end_ns - start_ns) FROM stalls), 0);

-- @indexes: created by `gort record` after the events are loaded (loading is faster without
-- them); everything above this line is created before. Only small ones, for the viewer: the
-- operations made inside deferred calls (gaps: the rows with a defer), the CPU samples' stacks
-- (a CPU profile: `WHERE kind_id = 60`, kind 60 is cpu_sample), a stack's frames (flame). No index covers every event (by kind, by time, by map): each cost 10 to 16 bytes and
-- a sort of all events at the finish, for queries the viewer answers with one scan anyway
-- (docs/schema.md, Indexes, has the measurements).
CREATE INDEX events_defer ON event_rows(defer_id, ts_ns) WHERE defer_id IS NOT NULL;
CREATE INDEX events_cpu_sample ON event_rows(stack_id, dur_ns) WHERE kind_id = 60;
CREATE INDEX stack_entries_stack ON stack_entries(stack_id, depth);
