-- schema.sql — the gort trace database, version 1. Documented column by column, with units,
-- in docs/schema.md (a test checks that the two agree). Conventions (as Perfetto's): times and
-- durations are integer nanoseconds since the start of the trace; every table has an `id`
-- (or a natural integer key named *_id); references are named *_id; losses are rows, not logs.

PRAGMA user_version = 1;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);

-- Event kinds by number and name; `events.kind` refers to it by name.
CREATE TABLE kinds (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE events (
    id       INTEGER PRIMARY KEY,   -- order of emission per thread, merged by time
    ts_ns    INTEGER NOT NULL,      -- ns since trace start
    tid      INTEGER NOT NULL,      -- OS thread id
    goid     INTEGER,               -- goroutine id (main = 1), NULL outside a goroutine
    kind     TEXT NOT NULL,         -- kinds.name: 'mapassign', 'deferreturn', ...
    map_id   INTEGER,               -- maps.map_id, NULL when the event concerns no map
    defer_id INTEGER,               -- defers.defer_id: the record itself, or the deferred call
                                    -- running on this thread when the event happened
    arg0     INTEGER,               -- kind-specific, see docs/schema.md
    arg1     INTEGER,
    dur_ns   INTEGER,               -- duration where measured, else NULL
    stack_id INTEGER                -- stacks.id, NULL without a stack
);

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
    id          INTEGER PRIMARY KEY,
    map_id      INTEGER NOT NULL UNIQUE,
    created_ns  INTEGER,
    died_ns     INTEGER,            -- NULL if it never died during the trace
    death_cause TEXT,               -- 'gc', 'frame', NULL
    key_kind    TEXT,               -- 'int64', 'uint64', 'string', 'generic'
    peak_len    INTEGER,
    peak_B      INTEGER,
    grows       INTEGER             -- number of hashgrow events
);

CREATE TABLE defers (
    id            INTEGER PRIMARY KEY,
    defer_id      INTEGER NOT NULL UNIQUE,
    goid          INTEGER,
    registered_ns INTEGER,          -- deferproc
    ran_ns        INTEGER,          -- start of the deferred call, NULL if it never ran
    end_ns        INTEGER,          -- end of the deferred call
    fn            TEXT,             -- 'delete' or the function's name
    how           TEXT              -- 'return', 'panic', 'goexit', 'never'
);

CREATE TABLE gc_cycles (
    id                  INTEGER PRIMARY KEY,
    cycle               INTEGER NOT NULL UNIQUE,
    start_ns            INTEGER,
    mark_start_ns       INTEGER,
    mark_termination_ns INTEGER,
    sweep_start_ns      INTEGER,
    sweep_done_ns       INTEGER,
    end_ns              INTEGER,
    stw_ns              INTEGER,    -- total stop-the-world pause of the cycle
    heap_before         INTEGER,    -- bytes
    heap_after          INTEGER,    -- bytes
    maps_freed          INTEGER
);

CREATE TABLE goroutines (
    id         INTEGER PRIMARY KEY,
    goid       INTEGER NOT NULL UNIQUE,
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

-- Names the program sent once and events refer to by id (deferproc's arg1: the function).
CREATE TABLE names (
    id   INTEGER PRIMARY KEY,       -- the id events carry
    name TEXT NOT NULL
);

-- One row per map operation performed inside a deferred call.
CREATE VIEW gaps AS
    SELECT e.defer_id AS defer_id, e.map_id AS map_id, e.kind AS op, e.ts_ns AS op_ns,
           m.died_ns AS map_died_ns,
           CASE WHEN m.died_ns IS NOT NULL AND m.died_ns <= e.ts_ns
                THEN e.ts_ns - m.died_ns END AS gap_ns,
           CASE WHEN e.kind = 'map_use_after_free' THEN 'use-after-free'
                WHEN e.map_id IS NULL OR e.map_id = 0 THEN 'nil-map'
                WHEN m.died_ns IS NOT NULL AND m.died_ns <= e.ts_ns THEN 'use-after-free'
                ELSE 'safe' END AS verdict
    FROM events e LEFT JOIN maps m ON m.map_id = e.map_id
    WHERE e.defer_id IS NOT NULL
      AND e.kind IN ('mapaccess', 'mapassign', 'mapdelete', 'mapclear', 'mapiterinit',
                     'map_use_after_free');

-- @indexes: created by `gort record` after the events are loaded (loading is faster without
-- them); everything above this line is created before. Each serves the viewer: per-kind scans
-- and counts (flame, info), time windows and the trace's span (timeline), the operations made
-- inside deferred calls (gaps), a stack's frames (flame). A query by map_id scans the events.
CREATE INDEX events_kind_ts ON events(kind, ts_ns);
CREATE INDEX events_ts ON events(ts_ns);
CREATE INDEX events_defer ON events(defer_id, ts_ns) WHERE defer_id IS NOT NULL;
CREATE INDEX stack_entries_stack ON stack_entries(stack_id, depth);
