"""`make deploy`'s last step: the web app into the stack's bucket.

Usage: deploy_web.py STACK_NAME [WEB_DIST]

- Reads the stack's outputs (WebBucketName, WebDistributionId, WebUrl, and
  with the stack's own user pool SignInAuthority, SignInClientId,
  SignOutUrl).
- With the user pool and no custom domain, registers the distribution's
  address as the app client's callback and sign-out URL (the template
  cannot: see UserPoolClient), keeping every other setting of the client.
- Uploads web/dist: hashed assets cached for a year, index.html and
  config.json never cached; writes config.json (where the app signs in);
  invalidates the two uncached names at the edge.
Uses boto3 (installed with the SAM CLI) and the caller's AWS credentials.
"""
import json
import mimetypes
import sys
import time
from pathlib import Path

import boto3

UNCACHED = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# The fields UpdateUserPoolClient takes back (it resets any it is not given).
CLIENT_FIELDS = [
    "ClientName", "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
    "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs",
    "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration", "PreventUserExistenceErrors", "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData", "AuthSessionValidity", "RefreshTokenRotation",
]


def outputs(stack):
    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def register_app_url(authority, client_id, web_url):
    pool_id = authority.rsplit("/", 1)[1]
    cognito = boto3.client("cognito-idp")
    client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    callback, logout = f"{web_url}/callback", f"{web_url}/"
    if callback in client.get("CallbackURLs", []) and logout in client.get("LogoutURLs", []):
        return
    update = {k: client[k] for k in CLIENT_FIELDS if k in client}
    update["CallbackURLs"] = sorted(set(client.get("CallbackURLs", [])) | {callback})
    update["LogoutURLs"] = sorted(set(client.get("LogoutURLs", [])) | {logout})
    cognito.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **update)
    print(f"user pool client {client_id}: signs in back to {web_url}")


def upload(bucket, dist, config):
    s3 = boto3.client("s3")
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = path.relative_to(dist).as_posix()
        kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
        cache = IMMUTABLE if key.startswith("assets/") else UNCACHED
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": kind, "CacheControl": cache})
    s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(config).encode(), ContentType="application/json",
                  CacheControl=UNCACHED)


def main():
    stack = sys.argv[1]
    dist = Path(sys.argv[2] if len(sys.argv) > 2 else "web/dist")
    if not (dist / "index.html").is_file():
        sys.exit(f"{dist}/index.html is missing: build the web app first (cd web && npx vite build)")
    out = outputs(stack)
    web_url = out["WebUrl"]
    if "SignInAuthority" not in out:
        sys.exit("the stack signs in with an outside issuer (JwtIssuer): write its config.json by hand "
                 '({"authority": ..., "clientId": ...}) and upload it with the build')
    config = {"authority": out["SignInAuthority"], "clientId": out["SignInClientId"], "signOutUrl": out["SignOutUrl"]}
    register_app_url(config["authority"], config["clientId"], web_url)
    upload(out["WebBucketName"], dist, config)
    boto3.client("cloudfront").create_invalidation(
        DistributionId=out["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 2, "Items": ["/index.html", "/config.json"]},
                           "CallerReference": str(time.time())},
    )
    print(f"web app deployed: {web_url}")


if __name__ == "__main__":
    main()
