"""scripts/deploy_web.py against moto (S3, CloudFormation, Cognito,
CloudFront): the build lands in the stack's bucket with the right types and
caching, config.json names the pool, the app client gains the app's address
and keeps every other setting, and the edge is told to forget the uncached
names. Run by `make test` (scripts/web-test.sh) with moto's server at
AWS_ENDPOINT_URL: python scripts/test_deploy_web.py
"""
import json
import os
import sys
import tempfile
import unittest
import uuid
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deploy_web  # noqa: E402


class DeployWeb(unittest.TestCase):
    def setUp(self):
        self.run_id = uuid.uuid4().hex[:8]
        cognito = boto3.client("cognito-idp")
        self.pool = cognito.create_user_pool(PoolName=f"web-{self.run_id}")["UserPool"]["Id"]
        self.client_id = cognito.create_user_pool_client(
            UserPoolId=self.pool, ClientName="web", GenerateSecret=False, IdTokenValidity=15,
            TokenValidityUnits={"IdToken": "minutes"}, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email"],
            AllowedOAuthFlowsUserPoolClient=True, SupportedIdentityProviders=["COGNITO"],
            CallbackURLs=["http://localhost:8080/callback"], LogoutURLs=["http://localhost:8080/"],
        )["UserPoolClient"]["ClientId"]
        distribution = boto3.client("cloudfront").create_distribution(DistributionConfig={
            "CallerReference": self.run_id, "Comment": "web", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "app", "DomainName": "app.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "app", "ViewerProtocolPolicy": "redirect-to-https",
                                     "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}, "MinTTL": 0},
        })["Distribution"]
        self.distribution = distribution["Id"]
        self.web_url = f"https://{distribution['DomainName']}"
        self.bucket = f"web-{self.run_id}"
        issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{self.pool}"
        outputs = {
            "WebUrl": self.web_url, "WebBucketName": self.bucket, "WebDistributionId": self.distribution,
            "SignInAuthority": issuer, "SignInClientId": self.client_id,
            "SignOutUrl": f"https://example.auth.us-east-1.amazoncognito.com/logout?client_id={self.client_id}",
        }
        template = {
            "Resources": {"WebBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": self.bucket}}},
            "Outputs": {k: {"Value": v} for k, v in outputs.items()},
        }
        self.stack = f"web-{self.run_id}"
        boto3.client("cloudformation").create_stack(StackName=self.stack, TemplateBody=json.dumps(template))
        self.dist = Path(tempfile.mkdtemp())
        (self.dist / "assets").mkdir()
        (self.dist / "index.html").write_text("<!doctype html><title>app</title>")
        (self.dist / "assets" / "index-abc123.js").write_text("console.log(1)")
        (self.dist / "assets" / "index-abc123.css").write_text("body{}")

    def test_the_build_and_its_config_reach_the_bucket_and_the_pool_knows_the_app(self):
        sys.argv = ["deploy_web.py", self.stack, str(self.dist)]
        deploy_web.main()
        s3 = boto3.client("s3")
        head = lambda key: s3.head_object(Bucket=self.bucket, Key=key)  # noqa: E731
        self.assertEqual((head("index.html")["ContentType"], head("index.html")["CacheControl"]), ("text/html", "no-cache"))
        js = head("assets/index-abc123.js")
        self.assertIn(js["ContentType"], ("text/javascript", "application/javascript"))
        self.assertEqual(js["CacheControl"], "public, max-age=31536000, immutable")
        self.assertEqual(head("assets/index-abc123.css")["ContentType"], "text/css")
        config = json.loads(s3.get_object(Bucket=self.bucket, Key="config.json")["Body"].read())
        self.assertEqual(config["authority"], f"https://cognito-idp.us-east-1.amazonaws.com/{self.pool}")
        self.assertEqual(config["clientId"], self.client_id)
        self.assertTrue(config["signOutUrl"].startswith("https://example.auth."))
        self.assertEqual(head("config.json")["CacheControl"], "no-cache")

        client = boto3.client("cognito-idp").describe_user_pool_client(UserPoolId=self.pool, ClientId=self.client_id)["UserPoolClient"]
        self.assertEqual(sorted(client["CallbackURLs"]), sorted(["http://localhost:8080/callback", f"{self.web_url}/callback"]))
        self.assertEqual(sorted(client["LogoutURLs"]), sorted(["http://localhost:8080/", f"{self.web_url}/"]))
        # Everything else of the client is as it was.
        self.assertEqual((client["AllowedOAuthFlows"], client["IdTokenValidity"]), (["code"], 15))
        self.assertEqual(sorted(client["AllowedOAuthScopes"]), ["email", "openid"])
        self.assertTrue(client["AllowedOAuthFlowsUserPoolClient"])

        invalidations = boto3.client("cloudfront").list_invalidations(DistributionId=self.distribution)["InvalidationList"]
        self.assertGreaterEqual(invalidations["Quantity"], 1)

        # Again: nothing changes in the client, the files are replaced.
        deploy_web.main()
        again = boto3.client("cognito-idp").describe_user_pool_client(UserPoolId=self.pool, ClientId=self.client_id)["UserPoolClient"]
        self.assertEqual(sorted(again["CallbackURLs"]), sorted(client["CallbackURLs"]))

    def test_a_missing_build_is_refused_before_anything_is_written(self):
        empty = Path(tempfile.mkdtemp())
        sys.argv = ["deploy_web.py", self.stack, str(empty)]
        with self.assertRaises(SystemExit):
            deploy_web.main()
        objects = boto3.client("s3").list_objects_v2(Bucket=self.bucket).get("KeyCount", 0)
        self.assertEqual(objects, 0)


if __name__ == "__main__":
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    unittest.main()
