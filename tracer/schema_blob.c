/*
 * schema_blob.c — tracer/schema.sql, embedded in the gort binary as the NUL-terminated string
 * gort_schema_sql, so the schema is written once and the installed command needs no data
 * files. The assembler reads the file relative to the build's working directory (the
 * repository root, where make runs); the Makefile rebuilds this object when the file changes.
 */
__asm__(".section .rodata\n"
        ".global gort_schema_sql\n"
        ".type gort_schema_sql, @object\n"
        "gort_schema_sql:\n"
        ".incbin \"tracer/schema.sql\"\n"
        ".byte 0\n"
        ".size gort_schema_sql, . - gort_schema_sql\n"
        ".previous\n");
