// An SQS consumer: a batch of records in, the ids of the ones that failed out.
export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const job = JSON.parse(record.body);
      console.log(`processed job ${job.id}`);
    } catch (e) {
      console.error(`job ${record.messageId} failed: ${e.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
