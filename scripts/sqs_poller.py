"""Local stand-in for Lambda's SQS event source mapping under `make dev`.

Long-polls each queue on moto and invokes its worker function through
`cargo lambda watch`'s Lambda invoke API with a real SQS event, then deletes
the messages the function did not report in `batchItemFailures` (so failed
ones are retried and, after maxReceiveCount, dead-lettered by moto).

Usage: sqs_poller.py API_PORT QUEUE_URL=FUNCTION [QUEUE_URL=FUNCTION ...]
"""
import json
import sys
import time
import urllib.request

import boto3

api_port = sys.argv[1]
pairs = [arg.split("=", 1) for arg in sys.argv[2:]]
sqs = boto3.client("sqs")


def invoke(function, event):
    req = urllib.request.Request(
        f"http://127.0.0.1:{api_port}/2015-03-31/functions/{function}/invocations",
        data=json.dumps(event).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read() or b"{}")


while True:
    for url, function in pairs:
        try:
            out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"])
            messages = out.get("Messages", [])
            if not messages:
                continue
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            event = {"Records": [{
                "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": "us-east-1",
            } for m in messages]}
            result = invoke(function, event)
            failed = {f.get("itemIdentifier") for f in (result or {}).get("batchItemFailures", [])}
            for m in messages:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        except Exception as exc:  # keep polling; the next round retries
            print(f"[sqs_poller] {function}: {exc}", file=sys.stderr)
            time.sleep(2)
