// A Function Compute HTTP handler: FC's request (path, method, queries, headers) and response.
let startedAt = null;

exports.initializer = (_context, callback) => {
  startedAt = new Date().toISOString();
  callback(null, '');
};

exports.handler = (req, resp, _context) => {
  const name = req.queries?.name ?? 'world';
  console.log(`greeting ${name}`);
  resp.setStatusCode(200);
  resp.setHeader('content-type', 'application/json');
  resp.send(
    JSON.stringify({ message: `hello, ${name}`, path: req.path, initialized: startedAt !== null }),
  );
};
