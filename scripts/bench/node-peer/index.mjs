// The peer: the config read (one Query of the program partition) as a
// Node.js 20 Lambda handler with the AWS SDK for JavaScript v3, behind a
// minimal Runtime API client (what the managed nodejs20.x runtime does).
// `make bench` starts it the way it starts our functions and compares.
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";

const client = new DynamoDBClient({});
const table = process.env.TABLE_NAME;

export async function handler() {
  const out = await client.send(new QueryCommand({
    TableName: table,
    KeyConditionExpression: "PK = :pk",
    ExpressionAttributeValues: { ":pk": { S: "PROGRAM#global" } },
    ConsistentRead: true,
  }));
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ items: out.Items?.length ?? 0 }) };
}

const api = (process.env.AWS_LAMBDA_RUNTIME_API || "").replace(/^https?:\/\//, "");
const base = `http://${api}/2018-06-01/runtime`;
for (;;) {
  const next = await fetch(`${base}/invocation/next`);
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const event = await next.json();
  try {
    const result = await handler(event);
    await fetch(`${base}/invocation/${id}/response`, { method: "POST", body: JSON.stringify(result) });
  } catch (e) {
    await fetch(`${base}/invocation/${id}/error`, { method: "POST", body: JSON.stringify({ errorMessage: String(e), errorType: e?.name ?? "Error" }) });
  }
}
