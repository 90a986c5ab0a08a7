// Walks an azsql-mcp server the way clients built on the MCP TypeScript SDK do (Claude
// Desktop, VS Code, Cursor, agents): every tool, resource, template, prompt and
// completion, errors, progress, cancellation and list_changed after a reload, with the
// SDK's own checks (its Ajv validation of structuredContent against outputSchema).
// `tests/clients/run.py` starts the servers and runs this once per transport:
//   node sdk_walk.mjs CLIENTS_DIR CONFIG_FILE (--stdio PYTHON | --url URL) [--token TOKEN]
//        [--json-response] [--sdk 1|2]
// CLIENTS_DIR holds node_modules with @modelcontextprotocol/sdk (1.x) and
// @modelcontextprotocol/client (2.x, with --sdk 2); CONFIG_FILE is the
// server's azsql-mcp.toml (query_timeout_s = 3), which the walk rewrites to trigger a
// reload. --json-response: the server answers JSON, so no progress is expected. One line
// per check; exit status 1 when any failed.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stdio: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    'json-response': { type: 'boolean', default: false },
    sdk: { type: 'string', default: '1' },
  },
});
const [clientsDir, configFile] = positionals;
const load = (path) => import(pathToFileURL(`${clientsDir}/node_modules/@modelcontextprotocol/${path}`).href);
// --sdk 2: the SDK's next major version (@modelcontextprotocol/client, which the
// Inspector 2 is built on), pinned to protocol 2026-07-28; else 1.x on 2025-11-25.
const v2 = opts.sdk === '2';
const { Client, StreamableHTTPClientTransport } = v2
  ? await load('client/dist/index.mjs')
  : { ...(await load('sdk/dist/esm/client/index.js')), ...(await load('sdk/dist/esm/client/streamableHttp.js')) };
const { StdioClientTransport, getDefaultEnvironment } = await load(
  v2 ? 'client/dist/stdio.mjs' : 'sdk/dist/esm/client/stdio.js',
);
const negotiation = v2 ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {};

// A read that runs for longer than query_timeout_s = 3 on the demo database.
const SLOW = 'SELECT COUNT(*) AS n FROM SalesLT.SalesOrderDetail AS a CROSS JOIN SalesLT.SalesOrderDetail AS b';
const failures = [];
const notifications = [];

function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures.push(name);
}

async function attempt(name, body) {
  try {
    await body();
  } catch (error) {
    check(name, false, `${error?.constructor?.name}: ${error?.message}`);
  }
}

// A transport that records what the server sends: the negotiated protocol revision and
// the notifications, which the SDK's Client otherwise consumes. A Proxy, so that the
// Client sees every other property of the SDK's own transport.
function recording(inner) {
  return new Proxy(inner, {
    set(target, prop, value) {
      if (prop !== 'onmessage' || typeof value !== 'function') return Reflect.set(target, prop, value);
      target.onmessage = (message, extra) => {
        if (message.result?.protocolVersion) protocol.version = message.result.protocolVersion;
        if (message.method?.startsWith('notifications/')) notifications.push(message);
        value(message, extra);
      };
      return true;
    },
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
const protocol = { version: undefined };

// callTool's options are its third argument in 1.x, its second in 2.
const callTool = (params, options) =>
  v2 ? client.callTool(params, options) : client.callTool(params, undefined, options);

function transport(token) {
  if (opts.stdio) {
    // The README's entry for a client that names an interpreter; the SDK passes the
    // server only a few variables (PATH, HOME...), as Claude Desktop does, and
    // PYTHONPATH names the checkout under test.
    const args = ['-m', 'azsql_mcp', 'serve', '--demo', '--config', configFile];
    const env = { ...getDefaultEnvironment(), PYTHONPATH: process.env.PYTHONPATH ?? '' };
    return new StdioClientTransport({ command: opts.stdio, args, env, stderr: 'ignore' });
  }
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: { headers } });
}

// With static_tokens: a client without a token, or with a wrong one, is told how to send one
if (opts.token) {
  for (const [what, token] of [['no token', undefined], ['a wrong token', 'not-the-token']]) {
    await attempt(`401 for ${what}`, async () => {
      const outcome = await new Client({ name: 'no-token', version: '1' }, negotiation).connect(transport(token)).then(
        () => 'connected',
        // 1.x puts the status in code and the body in message; 2 in data
        (error) => `${error.data?.status ?? error.code} ${error.data?.text ?? error.message}`,
      );
      check(`401 for ${what}`, outcome.startsWith('401') && outcome.includes('Authorization: Bearer'), outcome.slice(0, 160));
    });
  }
}

const listChanged = { tools: 0 };
const client = new Client(
  { name: 'azsql-mcp-sdk-walk', version: '1' },
  {
    ...negotiation,
    listChanged: {
      tools: { onChanged: () => listChanged.tools++, autoRefresh: true, debounceMs: 0 },
    },
  },
);
await client.connect(recording(transport(opts.token)));
const caps = client.getServerCapabilities();
const version = v2 ? client.getNegotiatedProtocolVersion() : protocol.version;
check('initialize', true, `protocol ${version}, capabilities ${JSON.stringify(caps)}`);

// tools/list: the SDK compiles every outputSchema with its Ajv here and throws on one it
// cannot compile.
const { tools } = await client.listTools();
check('tools/list', tools.length > 0, tools.map((t) => t.name).join(' '));

const CALLS = {
  list_tables: { schema: 'SalesLT' },
  describe_table: { table: 'SalesLT.Customer' },
  read_data: { query: 'SELECT TOP (3) * FROM SalesLT.Product ORDER BY ProductID', max_rows: 2 },
  explain_query: { query: 'SELECT * FROM SalesLT.Customer WHERE CustomerID = @id', params: { id: 1 } },
  database_info: {},
  health_check: {},
  list_long_running_queries: { min_seconds: 0 },
  list_available_tools: {},
};
for (const tool of tools) {
  await attempt(`tools/call ${tool.name}`, async () => {
    const result = await callTool({ name: tool.name, arguments: CALLS[tool.name] ?? {} });
    const shape = result.structuredContent ? 'structuredContent valid' : 'no structuredContent';
    check(`tools/call ${tool.name}`, !result.isError, result.isError ? result.content[0]?.text : shape);
  });
}

// values of every kind of SQL type, through the SDK's Ajv check of structuredContent
const TYPES = [
  "CAST(1 AS bit)", "CAST(9223372036854775807 AS bigint)", "CAST(-123.45 AS numeric(5, 2))",
  "CAST(12.5 AS money)", "CAST(1.5E+300 AS float)", "CAST('0001-01-01' AS date)",
  "CAST('23:59:59.9999999' AS time(7))", "CAST('2024-02-29T12:34:56.997' AS datetime)",
  "CAST('2024-01-02T03:04:05.1234567+05:30' AS datetimeoffset(7))", "CAST(N'日本語 ✓' AS nvarchar(20))",
  "CAST(0xDEADBEEF AS varbinary(8))", "CAST('6F9619FF-8B86-D011-B42D-00C04FC964FF' AS uniqueidentifier)",
  "CAST('<a b=\"1\">c</a>' AS xml)", "CAST(NULL AS datetimeoffset(7))",
];
await attempt('read_data of every kind of type', async () => {
  const query = `SELECT ${TYPES.map((sql, i) => `${sql} AS c${i}`).join(', ')}`;
  const result = await callTool({ name: 'read_data', arguments: { query } });
  // a bigint beyond 2**53 comes as a string: JSON.parse would round a number
  const exact = result.structuredContent?.rows[0][1] === '9223372036854775807';
  check('read_data of every kind of type', !result.isError && exact, JSON.stringify(result.structuredContent?.rows ?? result.content));
});

// a cursor: the next page of a capped read
await attempt('read_data next_cursor', async () => {
  const first = await callTool({ name: 'read_data', arguments: CALLS.read_data });
  const cursor = first.structuredContent?.next_cursor;
  const next = await callTool({ name: 'read_data', arguments: { ...CALLS.read_data, cursor } });
  check('read_data next_cursor', !!cursor && !next.isError, JSON.stringify(next.structuredContent?.rows));
});

// errors: a tool's failure is a result with isError, never a JSON-RPC error
const ERRORS = {
  'a refused statement': { name: 'read_data', arguments: { query: 'DELETE FROM SalesLT.Customer' } },
  'a missing argument': { name: 'read_data', arguments: {} },
  'an argument of the wrong type': { name: 'read_data', arguments: { query: 'SELECT 1 AS one', max_rows: 'ten' } },
  'an unknown argument': { name: 'database_info', arguments: { nosuch: 1 } },
  'an unknown table': { name: 'describe_table', arguments: { table: 'SalesLT.Nope' } },
  'a timeout (query_timeout_s)': { name: 'read_data', arguments: { query: SLOW } },
};
for (const [what, params] of Object.entries(ERRORS)) {
  try {
    const result = await callTool(params, { timeout: 60000 });
    check(`error: ${what}`, result.isError === true, `isError, ${result.content[0]?.text?.slice(0, 160)}`);
  } catch (error) {
    check(`error: ${what}`, false, `JSON-RPC error ${error.code}: ${error.message.slice(0, 200)}`);
  }
}
await attempt('error: an unknown tool', async () => {
  try {
    const result = await callTool({ name: 'nosuch', arguments: {} });
    check('error: an unknown tool', true, `isError ${result.isError}: ${result.content[0]?.text}`);
  } catch (error) {
    check('error: an unknown tool', true, `JSON-RPC error ${error.code}: ${error.message}`);
  }
});

// resources, templates, prompts, completions
const { resources } = await client.listResources();
for (const resource of resources) {
  await attempt(`resources/read ${resource.uri}`, async () => {
    const { contents } = await client.readResource({ uri: resource.uri });
    check(`resources/read ${resource.uri}`, contents[0]?.text?.length > 0, `${contents[0].mimeType}, ${contents[0].text.length} chars`);
  });
}
const { resourceTemplates } = await client.listResourceTemplates();
const VARIABLES = { schema: 'SalesLT', table: 'Customer' };
for (const template of resourceTemplates) {
  const uri = template.uriTemplate.replace(/\{(\w+)\}/g, (_, name) => VARIABLES[name]);
  await attempt(`resources/read ${uri}`, async () => {
    const { contents } = await client.readResource({ uri });
    check(`resources/read ${uri}`, contents[0]?.text?.length > 0, `${contents[0].text.length} chars`);
  });
}
await attempt('resources/read of no table', async () => {
  try {
    await client.readResource({ uri: 'database://tables/SalesLT/Nope' });
    check('resources/read of no table', false, 'answered');
  } catch (error) {
    check('resources/read of no table', [-32002, -32602].includes(error.code), `${error.code} ${error.message.slice(0, 120)}`);
  }
});
const PROMPTS = {
  sql_query_builder: { table: 'SalesLT.Customer', operation: 'SELECT' },
  analyze_performance: { query: 'SELECT * FROM SalesLT.Customer' },
  data_migration_guide: { source_system: 'PostgreSQL' },
  database_troubleshooting: { symptom: 'queries time out' },
};
const { prompts } = await client.listPrompts();
for (const prompt of prompts) {
  await attempt(`prompts/get ${prompt.name}`, async () => {
    const { messages } = await client.getPrompt({ name: prompt.name, arguments: PROMPTS[prompt.name] ?? {} });
    check(`prompts/get ${prompt.name}`, messages.length > 0, `${messages.length} message(s)`);
  });
}
await attempt('completion/complete', async () => {
  const prompt = await client.complete({
    ref: { type: 'ref/prompt', name: 'sql_query_builder' },
    argument: { name: 'table', value: 'SalesLT.Prod' },
  });
  const template = await client.complete({
    ref: { type: 'ref/resource', uri: 'database://tables/{schema}/{table}' },
    argument: { name: 'table', value: 'Cust' },
    context: { arguments: { schema: 'SalesLT' } },
  });
  const values = [...prompt.completion.values, ...template.completion.values];
  check('completion/complete', values.includes('SalesLT.Product') && values.includes('Customer'), values.join(' '));
});

// progress, then cancellation of a long call (the SDK sends notifications/cancelled)
await attempt('progress', async () => {
  const seen = [];
  const controller = new AbortController();
  const call = callTool({ name: 'read_data', arguments: { query: SLOW } }, {
    onprogress: (progress) => seen.push(progress),
    signal: controller.signal,
    timeout: 60000,
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  controller.abort('the user gave up');
  const outcome = await call.then(
    () => 'answered',
    (error) => error.name ?? String(error),
  );
  // a JSON answer is one body: nothing goes before it (docs/client-features.md)
  const expected = opts['json-response'] ? seen.length === 0 : seen.length >= 1;
  check('progress', expected, `${seen.length} notification(s), e.g. ${JSON.stringify(seen[0])}`);
  check('cancellation', outcome !== 'answered', outcome);
  const after = await callTool({ name: 'read_data', arguments: { query: 'SELECT 1 AS one' } });
  check('a call after the cancel', !after.isError);
});

// list_changed: a declared tool added to the config file is announced
await attempt('tools/list_changed after a reload', async () => {
  const config = readFileSync(configFile, 'utf8');
  const declared = '\n[tools.walk_product_count]\ndescription = "How many products"\nstatement = "SELECT COUNT(*) AS n FROM SalesLT.Product"\n';
  writeFileSync(configFile, config + declared);
  const advertised = caps.tools?.listChanged === true;
  let listed = false;
  for (let i = 0; i < 40 && !listed; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    listed = advertised
      ? listChanged.tools > 0
      : (await client.listTools()).tools.some((t) => t.name === 'walk_product_count');
  }
  writeFileSync(configFile, config);
  const how = advertised ? 'notification, list refreshed' : 'not advertised; seen on the next tools/list';
  check('tools/list_changed after a reload', listed, how);
  const result = await callTool({ name: 'walk_product_count', arguments: {} });
  check('tools/call of the declared tool', !result.isError, JSON.stringify(result.structuredContent));
});

const kinds = [...new Set(notifications.map((n) => n.method))].join(' ');
check('notifications seen', true, kinds);
await client.close();
console.log(failures.length ? `\n${failures.length} check(s) failed: ${failures.join(', ')}` : '\nall checks passed');
process.exit(failures.length ? 1 : 0);
