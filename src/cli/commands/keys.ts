import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { err, formatFields, formatTable, out, printJson } from '../output.js';

const KeySummary = z.object({
  accessKeyId: z.string(),
  description: z.string(),
  createdAtMs: z.number(),
  lastUsedAtMs: z.number().nullable(),
});
const NewKey = KeySummary.extend({ secretAccessKey: z.string() });
const KeyList = z.object({ keys: z.array(KeySummary) });

function formatTime(ms: number | null): string {
  return ms === null ? 'never' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

async function create(ctx: CliContext, description: string | undefined): Promise<void> {
  const { value, raw } = await ctx.client.json('/nimbus/v1/keys', NewKey, {
    method: 'POST',
    json: description === undefined ? {} : { description },
  });
  if (ctx.json) return printJson(raw);
  out(
    formatFields([
      ['access key id', value.accessKeyId],
      ['secret access key', value.secretAccessKey],
      ['description', value.description || '-'],
    ]),
  );
  err('the secret is shown only this once: store it now (the server keeps it encrypted)');
}

async function list(ctx: CliContext): Promise<void> {
  const { value, raw } = await ctx.client.json('/nimbus/v1/keys', KeyList);
  if (ctx.json) return printJson(raw);
  if (value.keys.length === 0) return out('no access keys (create one with `nimbus keys create`)');
  out(
    formatTable(
      ['ACCESS KEY ID', 'CREATED', 'LAST USED', 'DESCRIPTION'],
      value.keys.map((k) => [
        k.accessKeyId,
        formatTime(k.createdAtMs),
        formatTime(k.lastUsedAtMs),
        k.description || '-',
      ]),
    ),
  );
}

/** `nimbus keys create | list | delete`: SigV4 access keys. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('manage access keys for signed (SigV4) requests');
  keys
    .command('create')
    .description('create an access key; prints its secret once')
    .option('--description <text>', 'what the key is for')
    .action(async (flags: { description?: string }, cmd: Command) => {
      await create(contextFrom(cmd), flags.description);
    });
  keys
    .command('list')
    .alias('ls')
    .description('list access keys (never their secrets)')
    .action(async (_flags: unknown, cmd: Command) => {
      await list(contextFrom(cmd));
    });
  keys
    .command('delete')
    .alias('rm')
    .description('delete an access key; requests it signs are refused at once')
    .argument('<id>', 'access key id')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await ctx.client.request(`/nimbus/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (!ctx.json) out(`deleted ${id}`);
    });
  return keys;
}
