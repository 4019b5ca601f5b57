import escapeHtml from 'escape-html';
import type { OpenApiDocument } from './openapi.js';

/**
 * The API reference as one page, rendered from the OpenAPI document: every operation with its
 * auth, parameters, body and answers, and every schema as a tree of fields. Plain HTML and inline
 * CSS: no script and nothing fetched from elsewhere, readable on a phone and by a screen reader.
 */

type JsonSchema = Record<string, unknown>;
type Operation = {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  parameters?: { name: string; in: string; required: boolean; description: string }[];
  requestBody?: { description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }>; headers?: Record<string, { example?: string }> }>;
  'x-scope'?: string;
};

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem}
a{color:#0645ad}a:focus-visible{outline:3px solid #0b5fff;outline-offset:2px}
code,pre{font-family:ui-monospace,monospace;font-size:.9em;overflow-wrap:anywhere}
h1{font-size:1.75rem}h2{font-size:1.4rem;border-bottom:1px solid #ccc;margin-top:2.5rem}h3{font-size:1.15rem;margin-top:2rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700}
table{border-collapse:collapse;width:100%;margin:.5rem 0;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
ul.fields{list-style:none;padding-left:1.25rem;margin:.25rem 0}ul.fields>li{margin:.15rem 0}
.type{color:#4a4a4a}.required{font-weight:700}
section.operation{border-top:1px solid #eee}`;

const esc = (text: unknown) => escapeHtml(String(text));
/** Escaped text whose `backticked` parts are shown as code. */
const prose = (text: unknown) => esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const anchorOf = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '-');
const refName = (schema: JsonSchema) => (typeof schema.$ref === 'string' ? schema.$ref.split('/').pop()! : undefined);

/** `string`, `integer ≥ 1`, `"sms" | "email"`, `array of …`, a link to a named schema. */
function typeOf(schema: JsonSchema): string {
  const ref = refName(schema);
  if (ref) return `<a href="#schema-${anchorOf(ref)}">${esc(ref)}</a>`;
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => `<code>${esc(JSON.stringify(value))}</code>`).join(' | ');
  if ('const' in schema) return `<code>${esc(JSON.stringify(schema.const))}</code>`;
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) return variants.map(typeOf).join(' or ');
  if (schema.type === 'array') return `array of ${typeOf((schema.items as JsonSchema) ?? {})}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type ?? 'any');
  const limits = [
    schema.minimum !== undefined && Math.abs(Number(schema.minimum)) < 1e15 && `≥ ${schema.minimum}`,
    schema.maximum !== undefined && Math.abs(Number(schema.maximum)) < 1e15 && `≤ ${schema.maximum}`,
    schema.minLength !== undefined && `${schema.minLength}+ characters`,
    schema.maxLength !== undefined && `at most ${schema.maxLength} characters`,
    schema.format !== undefined && `${schema.format}`,
  ].filter(Boolean);
  return esc(limits.length ? `${type} (${limits.join(', ')})` : type);
}

function fieldsOf(schema: JsonSchema, depth = 0): string {
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants && depth < 4) return variants.map((variant, i) => `<p>Variant ${i + 1}:</p>${fieldsOf(variant, depth + 1)}`).join('');
  const target = schema.type === 'array' ? ((schema.items as JsonSchema) ?? {}) : schema;
  const properties = target.properties as Record<string, JsonSchema> | undefined;
  if (!properties || depth > 4) return '';
  const required = new Set((target.required as string[] | undefined) ?? []);
  const items = Object.entries(properties).map(([name, property]) => {
    const notes = [
      required.has(name) ? '<span class="required">required</span>' : 'optional',
      property.default !== undefined && `default <code>${esc(JSON.stringify(property.default))}</code>`,
      typeof property.description === 'string' && prose(property.description),
    ].filter(Boolean);
    return `<li><code>${esc(name)}</code> <span class="type">${typeOf(property)}</span>: ${notes.join('; ')}${fieldsOf(property, depth + 1)}</li>`;
  });
  const extra = target.additionalProperties === false ? '' : '<li>Other members may follow.</li>';
  return `<ul class="fields">${items.join('')}${properties && Object.keys(properties).length ? extra : ''}</ul>`;
}

function contentList(content: Record<string, { schema: JsonSchema }>): string {
  return Object.entries(content)
    .map(([type, { schema }]) => `<code>${esc(type)}</code>${refName(schema) ? `: ${typeOf(schema)}` : ''}`)
    .join('<br>');
}

function operationSection(method: string, path: string, operation: Operation): string {
  const parameters = operation.parameters?.length
    ? `<h4>Parameters</h4><table><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">required</th><th scope="col">meaning</th></tr></thead><tbody>${operation.parameters
        .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${prose(p.description)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const body = operation.requestBody
    ? `<h4>Body</h4>${operation.requestBody.description ? `<p>${prose(operation.requestBody.description)}</p>` : ''}<p>${contentList(operation.requestBody.content)}</p>`
    : '';
  const responses = `<h4>Answers</h4><table><thead><tr><th scope="col">status</th><th scope="col">meaning</th><th scope="col">body</th></tr></thead><tbody>${Object.entries(
    operation.responses,
  )
    .map(
      ([status, response]) =>
        `<tr><td>${esc(status)}</td><td>${prose(response.description)}${
          response.headers
            ? ` ${Object.entries(response.headers)
                .map(([name, header]) => `<code>${esc(name)}: ${esc(header.example ?? '')}</code>`)
                .join(' ')}`
            : ''
        }</td><td>${response.content ? contentList(response.content) : 'none'}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  return `<section class="operation" id="${esc(operation.operationId)}" aria-labelledby="${esc(operation.operationId)}-title">
<h3 id="${esc(operation.operationId)}-title"><span class="method">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p><strong>${prose(operation.summary)}</strong>. ${prose(operation.description)}</p>
${parameters}${body}${responses}
</section>`;
}

export function renderReferencePage(document: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const contents = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const operation = raw as unknown as Operation;
      const tag = operation.tags[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationSection(method, path, operation)]);
      contents.set(tag, [...(contents.get(tag) ?? []), `<li><a href="#${esc(operation.operationId)}">${esc(method.toUpperCase())} ${esc(path)}</a></li>`]);
    }
  }
  const tags = ((document as { tags?: { name: string }[] }).tags ?? []).map((tag) => tag.name).filter((name) => byTag.has(name));
  const schemas = Object.entries(document.components.schemas)
    .map(
      ([name, schema]) =>
        `<section id="schema-${anchorOf(name)}" aria-labelledby="schema-${anchorOf(name)}-title"><h3 id="schema-${anchorOf(name)}-title">${esc(name)}</h3>${
          typeof schema.description === 'string' ? `<p>${prose(schema.description)}</p>` : ''
        }<p class="type">${typeOf({ ...schema, $ref: undefined })}</p>${fieldsOf(schema)}</section>`,
    )
    .join('\n');
  const info = document.info as { title: string; version: string; description?: string };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} API reference</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${esc(info.title)} API reference <small>(version ${esc(info.version)})</small></h1>
<p>${prose(info.description ?? '')}</p>
<p>The same contract as OpenAPI 3.1: <a href="openapi.json">openapi.json</a>. API-key routes take the key as <code>x-api-key: KEY</code> or <code>Authorization: Bearer KEY</code>.</p>
<nav aria-label="Contents"><h2>Contents</h2>${tags.map((tag) => `<h3>${esc(tag)}</h3><ul>${contents.get(tag)!.join('')}</ul>`).join('')}<p><a href="#schemas">Schemas</a></p></nav>
${tags.map((tag) => `<h2 id="tag-${anchorOf(tag)}">${esc(tag)}</h2>\n${byTag.get(tag)!.join('\n')}`).join('\n')}
<h2 id="schemas">Schemas</h2>
${schemas}
</main>
</body>
</html>
`;
}
