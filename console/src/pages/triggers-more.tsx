import { useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { useAction, useLoad } from '../ui/hooks';
import { ErrorBox, Field, TableWrap, time } from '../ui/parts';

interface Timer {
  name: string;
  schedule: string;
  enabled: boolean;
  nextFireAtMs: number | null;
}

export function TimersPanel({ name }: { name: string }) {
  const timers = useLoad(
    () =>
      api<{ timers: Timer[] }>('/nimbus/v1/timers', { query: { function: name } }).then(
        (r) => r.timers,
      ),
    [name],
  );
  const [timerName, setTimerName] = useState(`${name}-timer`);
  const [schedule, setSchedule] = useState('rate(5 minutes)');
  const action = useAction();
  const add = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api('/nimbus/v1/timers', {
        method: 'POST',
        json: { name: timerName.trim(), function: name, schedule },
      });
      timers.reload();
    });
  };
  const remove = (t: string) =>
    action.run(async () => {
      await api(`/nimbus/v1/timers/${seg(t)}`, { method: 'DELETE' });
      timers.reload();
    });
  return (
    <section class="card" aria-label="Timers">
      <h2>Timers</h2>
      <ErrorBox error={timers.error ?? action.error} />
      {timers.data?.length === 0 ? <p class="empty">No timers.</p> : null}
      {timers.data?.length ? (
        <TableWrap label="Timers">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Timer</th>
                <th scope="col">Schedule</th>
                <th scope="col">Next fire</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {timers.data.map((t) => (
                <tr key={t.name}>
                  <td>{t.name}</td>
                  <td class="mono">{t.schedule}</td>
                  <td>{t.enabled ? time(t.nextFireAtMs) : 'paused'}</td>
                  <td>
                    <button type="button" onClick={() => remove(t.name)} disabled={action.busy}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <form class="toolbar" onSubmit={add} aria-label="Add timer">
        <Field label="Timer name">
          <input
            name="timerName"
            required
            value={timerName}
            onInput={(e) => setTimerName(e.currentTarget.value)}
          />
        </Field>
        <Field label="Schedule" hint="rate(5 minutes), cron(0 2 * * ? *) or a plain cron">
          <input
            name="schedule"
            required
            value={schedule}
            onInput={(e) => setSchedule(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" disabled={action.busy}>
          Add timer
        </button>
      </form>
    </section>
  );
}

interface Mapping {
  UUID: string;
  EventSourceArn: string;
  State: string;
  BatchSize: number;
}

export function MappingsPanel({ name }: { name: string }) {
  const mappings = useLoad(
    () =>
      api<{ EventSourceMappings: Mapping[] }>('/2015-03-31/event-source-mappings', {
        query: { FunctionName: name },
      }).then((r) => r.EventSourceMappings),
    [name],
  );
  const [arn, setArn] = useState('');
  const [batch, setBatch] = useState(10);
  const action = useAction();
  const add = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api('/2015-03-31/event-source-mappings', {
        method: 'POST',
        json: { FunctionName: name, EventSourceArn: arn.trim(), BatchSize: batch },
      });
      mappings.reload();
    });
  };
  const remove = (uuid: string) =>
    action.run(async () => {
      await api(`/2015-03-31/event-source-mappings/${seg(uuid)}`, { method: 'DELETE' });
      mappings.reload();
    });
  return (
    <section class="card" aria-label="Queue mappings">
      <h2>Queue mappings</h2>
      <ErrorBox error={mappings.error ?? action.error} />
      {mappings.data?.length === 0 ? <p class="empty">No queue mappings.</p> : null}
      {mappings.data?.length ? (
        <TableWrap label="Queue mappings">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Batch
                </th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {mappings.data.map((m) => (
                <tr key={m.UUID}>
                  <td class="mono">{m.EventSourceArn}</td>
                  <td>{m.State}</td>
                  <td class="num">{m.BatchSize}</td>
                  <td>
                    <button type="button" onClick={() => remove(m.UUID)} disabled={action.busy}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <form class="toolbar" onSubmit={add} aria-label="Add queue mapping">
        <Field label="Queue ARN" hint="arn:aws:sqs:REGION:ACCOUNT:NAME (nimbus queue ls)">
          <input
            name="queueArn"
            required
            value={arn}
            onInput={(e) => setArn(e.currentTarget.value)}
          />
        </Field>
        <Field label="Batch size">
          <input
            name="batch"
            type="number"
            min={1}
            max={10000}
            value={batch}
            onInput={(e) => setBatch(Number(e.currentTarget.value))}
          />
        </Field>
        <button type="submit" disabled={action.busy}>
          Add mapping
        </button>
      </form>
    </section>
  );
}
