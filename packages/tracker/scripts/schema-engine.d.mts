// Types for schema-engine.mjs, so the TypeScript tests that import it stay typed.
import type {
  DiffTarget,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
  SchemasContainer,
} from '@prisma/schema-engine-wasm';

export declare const trackerDir: string;
export declare const schemaPath: string;
export declare const migrationsDir: string;
export declare const lockfileContent: string;
export declare const noFilters: SchemaFilter;
export declare function readSchemas(file?: string): Promise<SchemasContainer>;
export declare function readMigrationsList(dir?: string): Promise<MigrationList>;
export declare function openSchemaEngine(opts?: {
  dbFile?: string;
  schemaFile?: string;
}): Promise<{ engine: SchemaEngine; close(): Promise<void> }>;
export declare function diffScript(engine: SchemaEngine, from: DiffTarget, to: DiffTarget): Promise<string | null>;
export declare function applyMigrations(engine: SchemaEngine, list: MigrationList): Promise<string[]>;
export declare function liveDatabaseTarget(schemas: SchemasContainer): DiffTarget;
