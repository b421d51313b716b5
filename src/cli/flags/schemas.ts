import {Flags} from '@oclif/core';

/** Flags shared by `schemas register` and `schemas check`: how to read the schema file. */

export const schemaTypeFlag = Flags.option({
  summary: 'Schema type (default: from the file extension .avsc/.proto, else the content).',
  options: ['AVRO', 'JSON', 'PROTOBUF'] as const,
})();

export const referenceFlag = Flags.string({
  summary: 'A schema this one references, as name=subject:version (repeatable).',
  description:
    'The name is how the schema refers to it: an Avro full name (com.acme.Address), a JSON Schema $ref or a .proto import path.',
  multiple: true,
});
