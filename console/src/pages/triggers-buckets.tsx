import { useState } from 'preact/hooks';
import {
  getNotifications,
  listBuckets,
  type NotificationRule,
  putNotifications,
} from '../api/buckets';
import { getFunction } from '../api/functions';
import { useAction, useLoad } from '../ui/hooks';
import { ErrorBox, Field, TableWrap } from '../ui/parts';

const EVENTS = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:ObjectCreated:Put'];

/** The rule targets this function (any qualifier). */
const targets = (arn: string, name: string) => /:function:([^:]+)/.exec(arn)?.[1] === name;

/** Bucket notifications of the built-in S3 that invoke this function: list, add, remove. */
export function BucketsPanel({ name }: { name: string }) {
  const data = useLoad(async () => {
    const buckets = await listBuckets();
    const rules = await Promise.all(
      buckets.map(async (b) => ({ bucket: b, rules: await getNotifications(b) })),
    );
    return { buckets, rules };
  }, [name]);
  const [bucket, setBucket] = useState('');
  const [event, setEvent] = useState(EVENTS[0]!);
  const [prefix, setPrefix] = useState('');
  const [suffix, setSuffix] = useState('');
  const action = useAction();
  const rulesOf = (b: string) => data.data?.rules.find((r) => r.bucket === b)?.rules ?? [];
  const mine = (data.data?.rules ?? []).flatMap((r) =>
    r.rules.filter((x) => targets(x.functionArn, name)).map((x) => ({ bucket: r.bucket, rule: x })),
  );
  const add = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const target = bucket || data.data?.buckets[0];
      if (!target)
        throw new Error('There is no bucket yet: create one with `nimbus bucket create`.');
      const arn = (await getFunction(name)).Configuration.FunctionArn;
      const rule: NotificationRule = { id: '', functionArn: arn, events: [event], prefix, suffix };
      // The configuration is the bucket's whole set: keep the rules already there.
      await putNotifications(target, [...(await getNotifications(target)), rule]);
      data.reload();
    });
  };
  const remove = (b: string, id: string) =>
    action.run(async () => {
      await putNotifications(
        b,
        rulesOf(b).filter((r) => r.id !== id),
      );
      data.reload();
    });
  return (
    <section class="card" aria-label="Bucket notifications">
      <h2>Bucket notifications</h2>
      <ErrorBox error={data.error ?? action.error} />
      {data.data && mine.length === 0 ? <p class="empty">No bucket notifications.</p> : null}
      {mine.length ? (
        <TableWrap label="Bucket notifications">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Bucket</th>
                <th scope="col">Events</th>
                <th scope="col">Filter</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {mine.map(({ bucket: b, rule }) => (
                <tr key={`${b}/${rule.id}`}>
                  <td>{b}</td>
                  <td class="mono">{rule.events.join(', ')}</td>
                  <td class="mono">
                    {[rule.prefix && `${rule.prefix}*`, rule.suffix && `*${rule.suffix}`]
                      .filter(Boolean)
                      .join(' ') || 'all keys'}
                  </td>
                  <td>
                    <button type="button" onClick={() => remove(b, rule.id)} disabled={action.busy}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {data.data?.buckets.length ? (
        <form class="toolbar" onSubmit={add} aria-label="Add bucket notification">
          <Field label="Bucket">
            <select name="bucket" value={bucket} onChange={(e) => setBucket(e.currentTarget.value)}>
              {data.data.buckets.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Events">
            <select name="event" value={event} onChange={(e) => setEvent(e.currentTarget.value)}>
              {EVENTS.map((ev) => (
                <option key={ev} value={ev}>
                  {ev}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Key prefix">
            <input name="prefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
          </Field>
          <Field label="Key suffix">
            <input name="suffix" value={suffix} onInput={(e) => setSuffix(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={action.busy}>
            Add notification
          </button>
        </form>
      ) : data.data ? (
        <p class="muted">
          No buckets yet: create one with <code>nimbus bucket create NAME</code>.
        </p>
      ) : null}
    </section>
  );
}
