// GET /hello?name=... — an API Gateway HTTP API (payload 2.0) event in, a response out.
export const handler = async (event) => {
  const name = event.queryStringParameters?.name ?? 'world';
  console.log(`greeting ${name}`);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `hello, ${name}` }),
  };
};
