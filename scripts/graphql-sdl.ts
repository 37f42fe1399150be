/**
 * npm run graphql:sdl — writes schema.graphql (the repo root) from the code's schema, so the
 * committed SDL is what the API serves; test/unit/graphql-sdl.test.ts fails when they differ.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { projectRoot } from '../src/shared/project-root';
import { getSchema } from '../src/shared/graphql/schema';

const file = join(projectRoot(), 'schema.graphql');
writeFileSync(file, `${printSchema(getSchema())}\n`);
console.log(`wrote ${file}`);
