"""GET /hello?name=... — an API Gateway HTTP API (payload 2.0) event in, a response out."""
import json


def handler(event, context):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    print(f"greeting {name}")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"hello, {name}"}),
    }
