import { seg, send } from './client';

/** One bucket notification rule (S3's CloudFunctionConfiguration). */
export interface NotificationRule {
  id: string;
  functionArn: string;
  events: string[];
  prefix: string;
  suffix: string;
}

const xmlOf = async (res: Response) =>
  new DOMParser().parseFromString(await res.text(), 'application/xml');
const text = (el: Element, tag: string) =>
  el.getElementsByTagName(tag)[0]?.textContent?.trim() ?? '';

/** ListBuckets on the built-in S3. */
export async function listBuckets(): Promise<string[]> {
  const doc = await xmlOf(await send('/', { service: 's3' }));
  return [...doc.getElementsByTagName('Bucket')].map((b) => text(b, 'Name'));
}

/** GetBucketNotificationConfiguration, as rules. */
export async function getNotifications(bucket: string): Promise<NotificationRule[]> {
  const doc = await xmlOf(
    await send(`/${seg(bucket)}`, { service: 's3', query: { notification: '' } }),
  );
  return [...doc.getElementsByTagName('CloudFunctionConfiguration')].map((c) => {
    const filters = [...c.getElementsByTagName('FilterRule')];
    const filter = (name: string) =>
      filters.find((f) => text(f, 'Name').toLowerCase() === name)?.getElementsByTagName('Value')[0]
        ?.textContent ?? '';
    return {
      id: text(c, 'Id'),
      functionArn: text(c, 'CloudFunction'),
      events: [...c.getElementsByTagName('Event')].map((e) => e.textContent?.trim() ?? ''),
      prefix: filter('prefix'),
      suffix: filter('suffix'),
    };
  });
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** PutBucketNotificationConfiguration: replaces the bucket's whole set of rules. */
export async function putNotifications(bucket: string, rules: NotificationRule[]): Promise<void> {
  const body = rules
    .map((r) => {
      const filters = [
        r.prefix
          ? `<FilterRule><Name>prefix</Name><Value>${esc(r.prefix)}</Value></FilterRule>`
          : '',
        r.suffix
          ? `<FilterRule><Name>suffix</Name><Value>${esc(r.suffix)}</Value></FilterRule>`
          : '',
      ].join('');
      return (
        `<CloudFunctionConfiguration>${r.id ? `<Id>${esc(r.id)}</Id>` : ''}` +
        `<CloudFunction>${esc(r.functionArn)}</CloudFunction>` +
        r.events.map((e) => `<Event>${esc(e)}</Event>`).join('') +
        (filters ? `<Filter><S3Key>${filters}</S3Key></Filter>` : '') +
        '</CloudFunctionConfiguration>'
      );
    })
    .join('');
  await send(`/${seg(bucket)}`, {
    method: 'PUT',
    service: 's3',
    query: { notification: '' },
    headers: { 'content-type': 'application/xml' },
    body: `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</NotificationConfiguration>`,
  });
}
