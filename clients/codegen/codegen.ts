// graphql-codegen for Hearth: TypeScript types of the schema and of your operations.
// `npm ci && npx graphql-codegen --config codegen.ts` writes generated/graphql.ts.
import type { CodegenConfig } from "@graphql-codegen/cli";

// Hearth's custom scalars, as they travel in JSON (docs/codegen.md):
//   Date      "2026-03-02"                  (RFC 3339 full-date)
//   DateTime  "2026-03-02T14:00:00+00:00"   (RFC 3339 date-time, with its offset)
//   Decimal   "1250.00"                     (exact: a string, never a float)
//   JSON      any JSON value                (each field says its shape)
// strictScalars makes codegen fail on a scalar missing here, rather than typing it `any`.
export const scalars = {
  ID: { input: "string", output: "string" },
  Date: { input: "string", output: "string" },
  DateTime: { input: "string", output: "string" },
  Decimal: { input: "string", output: "string" },
  JSON: { input: "unknown", output: "unknown" },
};

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["operations/*.graphql"],
  generates: {
    "generated/graphql.ts": {
      plugins: ["typescript-operations"],
      config: {
        scalars,
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
