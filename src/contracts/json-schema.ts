/**
 * The one zod-to-JSON-Schema conversion: what a model sees of a tool's input schema. The
 * `$schema` key is dropped, since the Messages API wants a bare object schema.
 */
import { z } from 'zod';
import type * as core from 'zod/v4/core';

export function toToolJsonSchema(schema: core.$ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return rest;
}
