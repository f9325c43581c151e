/*
 * gapcalc.c — the one definition of the gap report, read by gort gaps, info and timeline.
 *
 * The schema's gaps view has one row per map operation inside a deferred call. The report
 * groups them per (deferred call, map) and gives one verdict, checked in this order:
 *   nil-map          the operation's map id is NULL or 0: a deferred delete on a nil map
 *                    (Go 1.19: a no-op; an assignment would panic);
 *   use-after-free   the runtime itself reported map_use_after_free during the call, or the
 *                    map's death (maps.died_ns) is at or before the call's last operation
 *                    on it;
 *   map-still-alive  the map never died during the trace (died_ns NULL): nothing happened,
 *                    but the trace cannot say the map outlived every later use;
 *   safe             the map died strictly after the call's last operation on it.
 * gap_ns = last operation - death: positive is how long after the map's death it was
 * touched; negative is how long the map still lived after the call was done with it.
 *
 * Kinds by number (gort_record.h; numbers are never reused): 2 mapaccess, 3 mapassign,
 * 4 mapdelete, 8 mapclear, 9 mapiterinit, 11 map_use_after_free. `+kind_id`: the rows come
 * from the partial index of events with a defer, never from an index on the kind.
 */
#include "viewer.h"

const char gaps_sql[] =
    "SELECT g.map_id AS map_id, g.defer_id AS defer_id, d.fn AS fn, d.goid AS goid,\n"
    "       m.died_ns AS map_died_ns, d.ran_ns AS defer_ran_ns,\n"
    "       g.first_op_ns AS first_op_ns, g.last_op_ns AS last_op_ns, g.ops AS ops,\n"
    "       g.last_op_ns - m.died_ns AS gap_ns,\n"
    "       CASE WHEN g.map_id IS NULL OR g.map_id = 0 THEN 'nil-map'\n"
    "            WHEN g.uaf OR m.died_ns <= g.last_op_ns THEN 'use-after-free'\n"
    "            WHEN m.died_ns IS NULL THEN 'map-still-alive'\n"
    "            ELSE 'safe' END AS verdict\n"
    "FROM (SELECT defer_id, map_id, min(ts_ns) AS first_op_ns, max(ts_ns) AS last_op_ns,\n"
    "             count(*) AS ops, max(kind_id = 11) AS uaf\n"
    "      FROM events\n"
    "      WHERE defer_id IS NOT NULL\n"
    "        AND +kind_id IN (2, 3, 4, 8, 9, 11)\n"
    "      GROUP BY defer_id, map_id) g\n"
    "LEFT JOIN maps m ON m.map_id = g.map_id\n"
    "LEFT JOIN defers d ON d.defer_id = g.defer_id\n"
    "ORDER BY g.first_op_ns, g.defer_id, g.map_id";
