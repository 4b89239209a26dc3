#!/usr/bin/env bash
# The runbooks against `make dev` (scripts/dev.sh, on this test's ports and
# in memory), as operators run them:
#  1. as written: their curl lines verbatim (make dev's local admin header),
#     then every sample in events/ through `make invoke`;
#  2. as in AWS, signatures on (make dev with ADMIN_KEY_FILE): the admin
#     runbook through partnerctl; unsigned and foreign-key requests refused;
#     the cycle's EMF metric line read from the functions' output.
# Expects PADDLE_WEBHOOK_SECRET_KEY and CRON_SECRET (lib.sh's defaults).
# Usage: smoke.sh PORT
source "$(dirname "$0")/lib.sh"
set +e
PORT=${1:-9100}
BASE_URL="http://127.0.0.1:$PORT"
ADMIN_WALLET=ALAYoJpabALEEt7czrdMm9Du5dWybtyCC4jJ3GXynz24
SMOKE_DIR="$ROOT/.local/smoke"; rm -rf "$SMOKE_DIR"; mkdir -p "$SMOKE_DIR"
export JWT_LOCAL_DIR="$SMOKE_DIR/jwt" JWT_ISSUER="http://127.0.0.1:${SMOKE_JWKS_PORT:-9110}"
unset JWT_JWKS_URL JWT_AUDIENCE
export PADDLE_WEBHOOK_SECRET_KEY="${PADDLE_WEBHOOK_SECRET_KEY:-pdl_ntfset_local_secret}" CRON_SECRET="${CRON_SECRET:-local-cron-secret}"

# Built as `make dev` builds them (`-p functions` alone: another package set
# unifies features differently and would make dev.sh build it all again).
cargo build -q -p functions || exit 1
cargo build -q -p integration-tests --bins || exit 1
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug"

DEV=""
# start_dev NAME [VAR=value...]: `make dev` in memory on the smoke's ports.
start_dev() {
  local name=$1; shift
  env "$@" DDB_PORT="${SMOKE_DDB_PORT:-8120}" MOTO_PORT="${SMOKE_MOTO_PORT:-5120}" API_PORT="$PORT" \
    JWKS_PORT="${SMOKE_JWKS_PORT:-9110}" WEB_PORT="${SMOKE_WEB_PORT:-8190}" DEV_WEB=off DEV_DATA_DIR= DEV_LOG_DIR="$SMOKE_DIR/$name-logs" DEV_IGNORE_CHANGES=1 RUST_LOG=warn \
    setsid bash "$ROOT/scripts/dev.sh" >"$SMOKE_DIR/$name.log" 2>&1 &
  DEV=$!
  # Up to 10 minutes: on a busy 2-core machine a first build can take a while;
  # a `make dev` that dies is noticed at once.
  for _ in $(seq 1 3000); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    kill -0 "$DEV" 2>/dev/null || break
    sleep 0.2
  done
  echo "make dev ($name) did not start:"; tail -n 30 "$SMOKE_DIR/$name.log"; exit 1
}
stop_dev() {
  [ -n "$DEV" ] || return 0
  # Its process group: dev.sh, DynamoDB Local, moto, the emulator, the
  # poller, and a build it may be running.
  kill -TERM -- "-$DEV" 2>/dev/null; wait "$DEV" 2>/dev/null; sleep 1; DEV=""
}
trap stop_dev EXIT; trap "exit 143" INT TERM

passed=0; failed=0
pass() { passed=$((passed+1)); echo "ok   $1"; }
fail() { failed=$((failed+1)); echo "FAIL $1"; return 1; }
# check NAME EXPECTED_STATUS PYTHON_ASSERTION -- curl args...
check() {
  local name=$1 want=$2 assertion=$3; shift 4
  local out status body
  out=$(curl -s --max-time 60 -w '\n%{http_code}' "$@")
  status=${out##*$'\n'}; body=${out%$'\n'*}
  if [ "$status" = "$want" ] && BODY="$body" python3 -c "import json,os; b=json.loads(os.environ['BODY']) if os.environ['BODY'] else None; assert $assertion, b" 2>/dev/null; then
    pass "$name"
  else
    fail "$name: status $status (want $want): $body"
  fi
}
# eventually: check, retried for up to 30 s (for what a queue worker does).
eventually() {
  local i
  for i in $(seq 1 30); do
    ( check "$@" ) >/dev/null && break
    sleep 1
  done
  check "$@"
}

# wallets PREFIX N: N distinct wallet addresses (base58 of 32-byte hashes).
wallets() {
  python3 - "$1" "$2" <<'PY'
import hashlib, sys
A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
def b58(b):
    n = int.from_bytes(b, 'big'); s = ''
    while n: n, r = divmod(n, 58); s = A[r] + s
    return '1' * (len(b) - len(b.lstrip(b'\0'))) + s
for i in range(int(sys.argv[2])): print(b58(hashlib.sha256(f'{sys.argv[1]}-{i}'.encode()).digest()))
PY
}
# paddle_h1 TS BODY: the h1 of a Paddle-Signature, as Paddle signs.
paddle_h1() {
  TS="$1" BODY="$2" python3 -c "import hmac,hashlib,os; print(hmac.new(os.environ['PADDLE_WEBHOOK_SECRET_KEY'].encode(), (os.environ['TS']+':'+os.environ['BODY']).encode(), hashlib.sha256).hexdigest())"
}

echo "== the runbooks as written, against make dev"
start_dev as-written

# Global Partner Program runbook: refill workflow and config check.
check "health" 200 "b['status']=='ok'" -- "$BASE_URL/api/health"
check "config (runbook T-1)" 200 "b['maxSeats']==100 and 'openSeats' in b['stats']['refill'] and 'refillPriceUsd' in b['stats']['refill']" -- \
  "$BASE_URL/api/partners/config" -H "x-admin-wallet: $ADMIN_WALLET"
check "set refill price" 200 "b['stats']['refill']['refillPriceCents']==150000" -- \
  -X POST "$BASE_URL/api/partners/config" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" \
  -d '{"refillPriceUsd":1500.00,"reason":"smoke"}'
check "maxSeats is immutable" 400 "b['error']['code']=='MAX_SEATS_IMMUTABLE'" -- \
  -X POST "$BASE_URL/api/partners/config" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" -d '{"maxSeats":120}'
check "admin header required" 401 "b['error']['code']=='ADMIN_AUTH_REQUIRED'" -- \
  -X POST "$BASE_URL/api/partners/config" -H "content-type: application/json" -d '{"refillPriceUsd":1}'

# Fill the program to its cap; the 101st allocation is refused.
wallets=$(wallets smoke 101)
i=0; allocated=0
for w in $wallets; do
  i=$((i+1)); [ $i -le 100 ] || break
  code=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -X POST "$BASE_URL/api/partners/seats" -H "content-type: application/json" \
    -H "x-admin-wallet: $ADMIN_WALLET" -d "{\"wallet\":\"$w\"}")
  [ "$code" = 201 ] && allocated=$((allocated+1))
done
if [ $allocated = 100 ]; then pass "100 seats allocated"; else fail "only $allocated of 100 seats allocated"; fi
last=$(echo "$wallets" | tail -n1)
check "seat cap reached" 409 "b['error']['code']=='SEAT_CAP_REACHED'" -- \
  -X POST "$BASE_URL/api/partners/seats" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" -d "{\"wallet\":\"$last\"}"
check "seat list and refill stats" 200 "len(b['seats'])==100 and b['stats']['refill']['openSeats']==0 and b['seats'][0]['pricePaidCents']==150000" -- \
  "$BASE_URL/api/partners/seats?status=ACTIVE&limit=100" -H "x-admin-wallet: $ADMIN_WALLET"

# Global Partner Program runbook: the monthly cadence, verbatim endpoints.
check "dry run (runbook T day)" 200 "b['dryRun'] is True and b['candidateCount']==10" -- \
  -X POST "$BASE_URL/api/partners/cycle/eliminate" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" \
  -d '{"monthKey":"2026-02","dryRun":true}'
check "execute elimination" 200 "b['eliminatedCount']==10" -- \
  -X POST "$BASE_URL/api/partners/cycle/eliminate" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" \
  -d '{"monthKey":"2026-02","dryRun":false,"reason":"monthly-bottom-10"}'
check "duplicate execute refused" 409 "b['error']['code']=='CYCLE_ALREADY_EXECUTED'" -- \
  -X POST "$BASE_URL/api/partners/cycle/eliminate" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" \
  -d '{"monthKey":"2026-02","dryRun":false,"reason":"monthly-bottom-10"}'
check "snapshot ranking" 200 "b['source']=='SNAPSHOT' and len(b['rows'])==100" -- \
  "$BASE_URL/api/partners/rankings?monthKey=2026-02&source=SNAPSHOT" -H "x-admin-wallet: $ADMIN_WALLET"
check "cycle preview and history" 200 "b['history'][0]['status']=='COMPLETED'" -- \
  "$BASE_URL/api/partners/cycle/eliminate?monthKey=2026-02" -H "x-admin-wallet: $ADMIN_WALLET"
refunds=$(curl -s --max-time 60 "$BASE_URL/api/partners/refunds?status=PENDING" -H "x-admin-wallet: $ADMIN_WALLET")
check "refund queue" 200 "len(b['refunds'])==10 and all('refundDeadlineAt' in r for r in b['refunds'])" -- \
  "$BASE_URL/api/partners/refunds?status=PENDING" -H "x-admin-wallet: $ADMIN_WALLET"
refund_id=$(BODY="$refunds" python3 -c "import json,os; print(json.loads(os.environ['BODY'])['refunds'][0]['refundId'])")
check "mark refund completed" 200 "b['refund']['status']=='COMPLETED'" -- \
  -X POST "$BASE_URL/api/partners/refunds" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" \
  -d "{\"refundId\":\"$refund_id\",\"action\":\"COMPLETE\",\"txHash\":\"5smokeTxHash\"}"
check "refill opens freed seats" 200 "b['stats']['refill']['openSeats']==10 and b['stats']['pendingRefunds']==9" -- \
  "$BASE_URL/api/partners/config" -H "x-admin-wallet: $ADMIN_WALLET"
check "SLA report" 200 "b['overdue']==[]" -- "$BASE_URL/api/partners/refunds/sla" -H "x-admin-wallet: $ADMIN_WALLET"

# Global Partner Program runbook, incident 3: freeze refill, then lift it.
check "freeze refill needs a reason" 400 "b['error']['code']=='MISSING_REASON'" -- \
  -X POST "$BASE_URL/api/partners/config" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" -d '{"refillFrozen":true}'
check "freeze refill" 200 "b['stats']['refill']['frozen'] is True and b['stats']['refill']['frozenReason']=='rank dispute'" -- \
  -X POST "$BASE_URL/api/partners/config" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" \
  -d '{"refillFrozen":true,"reason":"rank dispute"}'
check "frozen refill shown" 200 "b['stats']['refill']['frozen'] is True and b['stats']['refill']['frozenBy']=='$ADMIN_WALLET' and b['stats']['refill']['openSeats']==10" -- \
  "$BASE_URL/api/partners/config" -H "x-admin-wallet: $ADMIN_WALLET"
check "allocation refused while frozen" 409 "b['error']['code']=='REFILL_FROZEN'" -- \
  -X POST "$BASE_URL/api/partners/seats" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" -d "{\"wallet\":\"$last\"}"
check "unfreeze refill" 200 "b['stats']['refill']['frozen'] is False and 'frozenAt' not in b['stats']['refill']" -- \
  -X POST "$BASE_URL/api/partners/config" -H "content-type: application/json" -H "x-admin-wallet: $ADMIN_WALLET" \
  -d '{"refillFrozen":false,"reason":"snapshot verified"}'

# Operations runbook: Paddle webhook ingress (signed as Paddle signs) and cron.
body='{"event_id":"evt_smoke_1","event_type":"subscription.created","occurred_at":"2026-03-10T11:59:58Z","data":{"id":"sub_smoke","status":"active","customer_id":"ctm_smoke"}}'
ts=$(date +%s)
h1=$(paddle_h1 "$ts" "$body")
check "paddle webhook accepted" 200 "b['received'] is True and b['duplicate'] is False" -- \
  -X POST "$BASE_URL/api/webhooks/paddle" -H "content-type: application/json" -H "paddle-signature: ts=$ts;h1=$h1" --data-raw "$body"
check "paddle webhook redelivery deduped" 200 "b['duplicate'] is True" -- \
  -X POST "$BASE_URL/api/webhooks/paddle" -H "content-type: application/json" -H "paddle-signature: ts=$ts;h1=$h1" --data-raw "$body"
check "paddle webhook bad signature" 401 "b['error']['code']=='WEBHOOK_INVALID_SIGNATURE'" -- \
  -X POST "$BASE_URL/api/webhooks/paddle" -H "content-type: application/json" -H "paddle-signature: ts=$ts;h1=00" --data-raw "$body"
eventually "webhook applied by its worker, with its audit trail" 200 "b['event']['status']=='processed' and any(a['action']=='webhook.duplicate' for a in b['audit'])" -- \
  "$BASE_URL/api/webhooks/events?eventId=evt_smoke_1" -H "x-admin-wallet: $ADMIN_WALLET"
check "cron without secret" 401 "b['error']['code']=='CRON_AUTH_REQUIRED'" -- "$BASE_URL/api/cron/refund-sla-audit"
check "cron with secret" 200 "b['job']=='refund-sla-audit'" -- "$BASE_URL/api/cron/refund-sla-audit" -H "Authorization: Bearer $CRON_SECRET"
check "cron dunning" 200 "b['job']=='dunning' and b['result']['notified']==[]" -- "$BASE_URL/api/cron/dunning" -H "Authorization: Bearer $CRON_SECRET"
check "audit by action" 200 "len(b['entries'])>=1" -- "$BASE_URL/api/audit?action=cycle.executed" -H "x-admin-wallet: $ADMIN_WALLET"

# Operations runbook triage: activity in the incident window.
from=$(date -u -d '-15 min' +%Y-%m-%dT%H:%M:%SZ); to=$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)
check "audit in the incident window" 200 "[e['action'] for e in b['entries']]==['program.refill_frozen']" -- \
  "$BASE_URL/api/audit?action=program.refill_frozen&from=$from&to=$to" -H "x-admin-wallet: $ADMIN_WALLET"
check "webhook events in the incident window" 200 "[e['eventId'] for e in b['events']]==['evt_smoke_1']" -- \
  "$BASE_URL/api/webhooks/events?status=processed&from=$from&to=$to" -H "x-admin-wallet: $ADMIN_WALLET"
check "window before the incident is empty" 200 "b['events']==[]" -- \
  "$BASE_URL/api/webhooks/events?status=processed&to=$from" -H "x-admin-wallet: $ADMIN_WALLET"
check "reversed window refused" 400 "b['error']['code']=='INVALID_WINDOW'" -- \
  "$BASE_URL/api/audit?action=program.refill_frozen&from=$to&to=$from" -H "x-admin-wallet: $ADMIN_WALLET"

# Partner Network: businesses call with bearer tokens from the local issuer.
# `user` mints what the user pool would: the pre token generation trigger
# (invoked through the emulator, as Cognito invokes it) reads the claims
# from the table, so a new owner's next token carries its business.
mint() { "$BIN/mint-token" --business "$1" --role "$2"; }
user() { "$BIN/mint-token" --sub "$1" --api "$BASE_URL" ${2:+--email "$2"}; }
STAFF_B=$(mint biz-b staff)
FOUNDER_A=$(user user-biz-a-owner)
profile='{"businessId":"biz-a","name":"Cafe A","category":"cafe","categories":["bakery"],"location":{"lat":45.5017,"lng":-73.5673},"address":"1 Main St","availableForPartnership":true}'
check "network: a token is required" 401 "b['error']['code']=='TOKEN_MISSING'" -- "$BASE_URL/api/v1/partners/biz-a"
check "network: a signed-in user has no business yet" 200 "b['membership'] is None" -- \
  "$BASE_URL/api/v1/me" -H "authorization: Bearer $FOUNDER_A"
check "network: a member cannot register another business" 409 "b['error']['code']=='ALREADY_A_MEMBER'" -- \
  -X POST "$BASE_URL/api/v1/businesses" -H "authorization: Bearer $STAFF_B" -H "content-type: application/json" -d "$profile"
check "network: a user registers its business" 201 "b['businessId']=='biz-a' and b['rating']==0" -- \
  -X POST "$BASE_URL/api/v1/businesses" -H "authorization: Bearer $FOUNDER_A" -H "content-type: application/json" -d "$profile"
OWNER_A=$(user user-biz-a-owner)
check "network: the owner's next token carries the business" 200 "b['membership']['businessId']=='biz-a' and b['membership']['role']=='owner' and b['tokenCurrent']" -- \
  "$BASE_URL/api/v1/me" -H "authorization: Bearer $OWNER_A"
invitation=$(curl -s -X POST "$BASE_URL/api/v1/businesses/me/members" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d '{"email":"sam@example.com"}')
code=$(BODY="$invitation" python3 -c "import json,os; print(json.loads(os.environ['BODY']).get('code',''))")
SAM=$(user sam sam@example.com)
check "network: an invited user joins with the code" 201 "b['businessId']=='biz-a' and b['role']=='staff'" -- \
  -X POST "$BASE_URL/api/v1/businesses/join" -H "authorization: Bearer $SAM" -H "content-type: application/json" -d "{\"code\":\"$code\"}"
check "network: the code works once" 404 "b['error']['code']=='INVITATION_NOT_FOUND'" -- \
  -X POST "$BASE_URL/api/v1/businesses/join" -H "authorization: Bearer $(user eve sam@example.com)" -H "content-type: application/json" -d "{\"code\":\"$code\"}"
check "network: staff see the roster" 200 "sorted(m['role'] for m in b['members'])==['owner','staff']" -- \
  "$BASE_URL/api/v1/businesses/me/members" -H "authorization: Bearer $(user sam)"
check "network: the owner removes the staff member" 204 "b is None" -- \
  -X DELETE "$BASE_URL/api/v1/businesses/me/members/sam" -H "authorization: Bearer $OWNER_A"
check "network: a removed member's next token has no business" 403 "b['error']['code']=='NOT_A_BUSINESS_USER'" -- \
  "$BASE_URL/api/v1/businesses/me/members" -H "authorization: Bearer $(user sam)"
check "network: another business reads the profile" 200 "b['name']=='Cafe A' and b['categories']==['cafe','bakery']" -- \
  "$BASE_URL/api/v1/partners/biz-a" -H "authorization: Bearer $STAFF_B"
check "network: the directory finds it nearby" 200 "[p['businessId'] for p in b['partners']]==['biz-a'] and b['partners'][0]['distanceKm']<1" -- \
  "$BASE_URL/api/v1/partners/directory?lat=45.5&lng=-73.57&radiusKm=5&category=cafe" -H "authorization: Bearer $STAFF_B"
check "network: the directory never lists the caller" 200 "b['partners']==[]" -- \
  "$BASE_URL/api/v1/partners/directory?lat=45.5&lng=-73.57&radiusKm=5" -H "authorization: Bearer $OWNER_A"
# The spec's example: A invites B, B accepts; a third business sees nothing.
OWNER_C=$(mint biz-c owner)
profile_b=${profile/Cafe A/Shop B}
check "network: B registers" 201 "b['businessId']=='biz-b'" -- \
  -X POST "$BASE_URL/api/v1/businesses" -H "authorization: Bearer $(user user-biz-b-owner)" -H "content-type: application/json" -d "${profile_b/biz-a/biz-b}"
OWNER_B=$(user user-biz-b-owner)
invite='{"partnerBusinessId":"biz-b","type":"POINTS_COALITION","revenueSharingTerms":{"type":"PERCENTAGE","businessAShare":5,"businessBShare":5,"settlementFrequency":"MONTHLY"}}'
partnership=$(curl -s -X POST "$BASE_URL/api/v1/partnerships" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d "$invite")
pid=$(BODY="$partnership" python3 -c "import json,os; print(json.loads(os.environ['BODY']).get('id',''))")
check "network: A's invitation is pending" 200 "b['status']=='PENDING' and b['businessBId']=='biz-b'" -- \
  "$BASE_URL/api/v1/partnerships/$pid" -H "authorization: Bearer $OWNER_A"
check "network: B accepts" 200 "b['status']=='ACTIVE' and b['activatedAt']" -- \
  -X PATCH "$BASE_URL/api/v1/partnerships/$pid/accept" -H "authorization: Bearer $OWNER_B" -H "content-type: application/json" -d '{"termsVersion":1}'
check "network: a third business gets a 404" 404 "b['error']['code']=='PARTNERSHIP_NOT_FOUND'" -- \
  "$BASE_URL/api/v1/partnerships/$pid" -H "authorization: Bearer $OWNER_C"
check "network: B lists it as invitee" 200 "b['partnerships'][0]['partnerBusinessId']=='biz-a'" -- \
  "$BASE_URL/api/v1/partnerships?role=invitee" -H "authorization: Bearer $OWNER_B"
# The spec's example goes on: a customer earns 100 points at A, redeems
# them at B for a $10 reward, and A owes B $0.50.
check "network: A sets its points program" 200 "b['version']==1" -- \
  -X PUT "$BASE_URL/api/v1/businesses/me/points-program" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" \
  -d '{"pointsPerDollar":10,"redemptionCents":1000,"redemptionPoints":100}'
check "network: the customer earns 100 points at A" 201 "b['pointsEarned']==100" -- \
  -X POST "$BASE_URL/api/v1/businesses/me/points" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" \
  -H "idempotency-key: smoke-a-1" -d '{"customerId":"cust-smoke","amount":10.00}'
redeem='{"type":"REDEEM","customerId":"cust-smoke","points":100}'
check "network: redeemed at B, A owes B \$0.50" 201 "b['revenueSharingAmount']==50 and b['payerBusinessId']=='biz-a' and b['amount']==1000" -- \
  -X POST "$BASE_URL/api/v1/partnerships/$pid/transactions" -H "authorization: Bearer $STAFF_B" -H "content-type: application/json" \
  -H "idempotency-key: smoke-b-1" -d "$redeem"
check "network: a retried recording answers the first" 200 "b['revenueSharingAmount']==50" -- \
  -X POST "$BASE_URL/api/v1/partnerships/$pid/transactions" -H "authorization: Bearer $STAFF_B" -H "content-type: application/json" \
  -H "idempotency-key: smoke-b-1" -d "$redeem"
CUSTOMER=$("$BIN/mint-token" --customer cust-smoke)
check "network: the customer's points are spent" 200 "b['balances']==[{'programBusinessId':'biz-a','points':0,'valueCents':0,'expiresAt':None}]" -- \
  "$BASE_URL/api/v1/customers/me" -H "authorization: Bearer $CUSTOMER"
check "network: A's analytics show \$0.50 paid to B" 200 "b['life']['revenuePaidToPartner']==50 and b['life']['sharedCustomers']==1" -- \
  "$BASE_URL/api/v1/partnerships/$pid/analytics" -H "authorization: Bearer $OWNER_A"
check "network: B's dashboard nets +\$0.50 this month" 200 "b['netRevenueThisMonth']==50 and b['activePartnerships']==1" -- \
  "$BASE_URL/api/v1/network/analytics" -H "authorization: Bearer $STAFF_B"
check "network: this month's settlement is a preview" 200 "b['outcome']=='PREVIEW' and b['settlement']['netSettlement']==50" -- \
  -X POST "$BASE_URL/api/v1/partnerships/$pid/settlements/calculate" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" \
  -d "{\"periodStart\":\"$(date -u +%Y-%m-01)\"}"
check "network: no settlement is stored for an open period" 200 "b['settlements']==[]" -- \
  "$BASE_URL/api/v1/partnerships/$pid/settlements" -H "authorization: Bearer $STAFF_B"
check "network: the settlement job runs" 200 "b['result']['due']==0" -- \
  "$BASE_URL/api/cron/settlements" -H "authorization: Bearer $CRON_SECRET"
check "network: the configuration preview (\$5 at 5% is \$0.25)" 200 "b['lines'][0]['amountCents']==25" -- \
  -X POST "$BASE_URL/api/v1/revenue-sharing/preview" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" \
  -d '{"revenueSharingTerms":{"type":"PERCENTAGE","businessAShare":5,"businessBShare":5,"settlementFrequency":"MONTHLY"},"samples":[{"payer":"A","value":5}]}'
check "network: templates are served beside partnership ids" 200 "'cafe-bakery-coalition' in [t['id'] for t in b['templates']]" -- \
  "$BASE_URL/api/v1/partnerships/templates?category=cafe" -H "authorization: Bearer $STAFF_B"
check "network: A reviews its partner" 201 "b['rating']==5" -- \
  -X POST "$BASE_URL/api/v1/partners/biz-b/reviews" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d '{"rating":5,"text":"Smooth redemptions"}'
check "network: B's profile shows it" 200 "b['rating']==5 and b['reviewCount']==1 and b['partnershipCount']==1 and b['recentReviews'][0]['reviewerBusinessId']=='biz-a'" -- \
  "$BASE_URL/api/v1/partners/biz-b" -H "authorization: Bearer $OWNER_C"
check "network: B proposes new terms" 200 "b['termsVersion']==1 and b['termsProposal']['version']==2" -- \
  -X PUT "$BASE_URL/api/v1/partnerships/$pid" -H "authorization: Bearer $OWNER_B" -H "content-type: application/json" \
  -d '{"revenueSharingTerms":{"type":"PERCENTAGE","businessAShare":6,"businessBShare":6,"settlementFrequency":"MONTHLY"}}'
check "network: A accepts them" 200 "b['termsVersion']==2 and b['revenueSharingTerms']['businessAShare']==6" -- \
  -X PATCH "$BASE_URL/api/v1/partnerships/$pid/terms" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d '{"version":2,"decision":"ACCEPT"}'
check "network: A pauses" 200 "b['status']=='PAUSED' and b['pausedBy']=='biz-a'" -- \
  -X PATCH "$BASE_URL/api/v1/partnerships/$pid/status" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d '{"status":"PAUSED","reason":"Renovation"}'
check "network: only A resumes" 403 "b['error']['code']=='PAUSED_BY_PARTNER'" -- \
  -X PATCH "$BASE_URL/api/v1/partnerships/$pid/status" -H "authorization: Bearer $OWNER_B" -H "content-type: application/json" -d '{"status":"ACTIVE","reason":"Ready"}'
check "network: A resumes" 200 "b['status']=='ACTIVE'" -- \
  -X PATCH "$BASE_URL/api/v1/partnerships/$pid/status" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d '{"status":"ACTIVE","reason":"Reopened"}'
# Staff's claims under the owner's signature: a forgery.
FORGED="${OWNER_A%%.*}.$(echo "$STAFF_B" | cut -d. -f2).${OWNER_A##*.}"
check "network: a forged token is refused" 401 "b['error']['code']=='TOKEN_INVALID_SIGNATURE'" -- \
  "$BASE_URL/api/v1/partners/biz-a" -H "authorization: Bearer $FORGED"

# Every sample event, each through `make invoke` (the emulator of this
# make dev): each function starts and answers its sample without an error.
for sample in "$ROOT"/events/*.json; do
  fn=$(basename "$sample" .json); fn=${fn%%--*}
  if out=$(API_PORT=$PORT make -s -C "$ROOT" invoke FN="$fn" EVENT="$sample" 2>&1); then
    pass "make invoke FN=$fn EVENT=events/$(basename "$sample")"
  else
    fail "make invoke FN=$fn EVENT=events/$(basename "$sample"): $(echo "$out" | tail -n 3)"
  fi
done
stop_dev

echo "== the admin runbook through partnerctl, signatures on (make dev ADMIN_KEY_FILE=...)"
KEY="$SMOKE_DIR/admin.key"; STRANGER="$SMOKE_DIR/stranger.key"
python3 -c "import os; print(os.urandom(32).hex())" >"$KEY"
python3 -c "import os; print(os.urandom(32).hex())" >"$STRANGER"
chmod 600 "$KEY" "$STRANGER"
start_dev signed ADMIN_KEY_FILE="$KEY"
ctl() { "$BIN/partnerctl" --url "$BASE_URL" --key "$KEY" --json "$@"; }
# ctl_check NAME EXPECTED_EXIT PYTHON_ASSERTION -- partnerctl words...
ctl_check() {
  local name=$1 want=$2 assertion=$3; shift 4
  local out code
  out=$(ctl "$@" 2>/dev/null); code=$?
  if [ "$code" = "$want" ] && BODY="$out" python3 -c "import json,os; b=json.loads(os.environ['BODY']); assert $assertion, b" 2>/dev/null; then
    pass "partnerctl $*"
  else
    fail "partnerctl $* ($name): exit $code (want $want): $out"
  fi
}
SIGNED_WALLET=$("$BIN/partnerctl" --key "$KEY" wallet)

ctl_check "T-1 config" 0 "b['maxSeats']==100 and b['stats']['refill']['openSeats']==100" -- config
ctl_check "refill price" 0 "b['stats']['refill']['refillPriceCents']==150000" -- config set-price 1500 --reason smoke
check "the runbook's unsigned line is refused" 401 "b['error']['code']=='SIGNATURE_REQUIRED'" -- \
  "$BASE_URL/api/partners/refunds?status=PENDING" -H "x-admin-wallet: $SIGNED_WALLET"
check "the local bypass wallet is no admin here" 403 "b['error']['code']=='NOT_ADMIN'" -- \
  "$BASE_URL/api/partners/refunds?status=PENDING" -H "x-admin-wallet: $ADMIN_WALLET"
out=$("$BIN/partnerctl" --url "$BASE_URL" --key "$STRANGER" --json refunds pending 2>/dev/null)
if BODY="$out" python3 -c "import json,os; assert json.loads(os.environ['BODY'])['error']['code']=='NOT_ADMIN'" 2>/dev/null; then
  pass "another key is refused"; else fail "another key is refused: $out"; fi
# A signed request replayed is refused (partnerctl sign's headers, sent twice by curl).
eval "signed=($("$BIN/partnerctl" --key "$KEY" sign GET /api/partners/refunds/sla))"
check "a signed curl line is accepted" 200 "b['overdue']==[]" -- "$BASE_URL/api/partners/refunds/sla" "${signed[@]}"
check "and its replay is refused" 401 "b['error']['code']=='SIGNATURE_REPLAYED'" -- "$BASE_URL/api/partners/refunds/sla" "${signed[@]}"

# Twelve seats (the cap is proven above), then the monthly cadence.
for w in $(wallets signed 12); do
  ctl_check "allocate" 0 "b['seat']['status']=='ACTIVE' and b['seat']['pricePaidCents']==150000" -- seats allocate "$w"
done
ctl_check "seats" 0 "len(b['seats'])==12" -- seats --status ACTIVE --limit 100
ctl_check "T dry run" 0 "b['dryRun'] is True and b['candidateCount']==10" -- cycle dry-run --month 2026-02
ctl_check "T execute" 0 "b['eliminatedCount']==10" -- cycle execute --month 2026-02
ctl_check "incident 1: a second execute" 1 "b['error']['code']=='CYCLE_ALREADY_EXECUTED'" -- cycle execute --month 2026-02
ctl_check "incident 1: the snapshot" 0 "b['source']=='SNAPSHOT' and len(b['rows'])==12" -- rankings --month 2026-02 --source SNAPSHOT
ctl_check "history" 0 "b['history'][0]['status']=='COMPLETED'" -- cycle status --month 2026-02
pending=$(ctl refunds pending)
ctl_check "T+0 refund queue" 0 "len(b['refunds'])==10 and all('refundDeadlineAt' in r for r in b['refunds'])" -- refunds pending
first=$(BODY="$pending" python3 -c "import json,os; print(json.loads(os.environ['BODY'])['refunds'][0]['refundId'])")
second=$(BODY="$pending" python3 -c "import json,os; print(json.loads(os.environ['BODY'])['refunds'][1]['refundId'])")
ctl_check "refund paid" 0 "b['refund']['status']=='COMPLETED' and b['refund']['txHash']=='5smokeSignedTx'" -- refunds complete "$first" --tx 5smokeSignedTx
ctl_check "incident 2: payout blocked" 0 "b['refund']['status']=='FAILED'" -- refunds fail "$second" --reason "rpc down"
ctl_check "incident 2: retried" 0 "b['refund']['status']=='PENDING'" -- refunds retry "$second"
ctl_check "T+7 SLA audit" 0 "b['overdue']==[]" -- refunds sla
ctl_check "refill" 0 "b['stats']['refill']['openSeats']==98 and b['stats']['pendingRefunds']==9" -- config
ctl_check "incident 3: freeze" 0 "b['stats']['refill']['frozen'] is True and b['stats']['refill']['frozenBy']=='$SIGNED_WALLET'" -- config freeze --reason "rank dispute"
ctl_check "frozen" 1 "b['error']['code']=='REFILL_FROZEN'" -- seats allocate "$ADMIN_WALLET"
ctl_check "incident 3: unfreeze" 0 "b['stats']['refill']['frozen'] is False" -- config unfreeze --reason "snapshot verified"
ctl_check "audit" 0 "[e['action'] for e in b['entries']]==['cycle.executed']" -- audit --action cycle.executed
# Operations: a Paddle delivery, looked up by the operator once applied.
body='{"event_id":"evt_smoke_signed","event_type":"subscription.created","occurred_at":"2026-03-10T11:59:58Z","data":{"id":"sub_signed","status":"active","customer_id":"ctm_signed"}}'
ts=$(date +%s)
h1=$(paddle_h1 "$ts" "$body")
check "paddle webhook accepted" 200 "b['received'] is True" -- \
  -X POST "$BASE_URL/api/webhooks/paddle" -H "content-type: application/json" -H "paddle-signature: ts=$ts;h1=$h1" --data-raw "$body"
for _ in $(seq 1 30); do
  ctl webhooks --event-id evt_smoke_signed 2>/dev/null | grep -q '"processed"' && break; sleep 1
done
ctl_check "the event, applied" 0 "b['event']['status']=='processed'" -- webhooks --event-id evt_smoke_signed
ctl_check "the SLA audit job" 0 "b['job']=='refund-sla-audit'" -- cron refund-sla-audit
# The cycle's invocation printed its EMF metric set with the functions' output.
if python3 - "$SMOKE_DIR/signed.log" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], errors="replace") if l.startswith("{") and '"_aws"' in l]
cycle = [l for l in lines if "Eliminations" in l]
assert len(cycle) == 1 and cycle[0]["Eliminations"] == 10, cycle
assert cycle[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PartnerProgram", cycle
assert any(l.get("WebhookEventsReceived") == 1 for l in lines), lines
PY
then pass "the cycle's and the webhook's EMF lines in make dev's output"; else fail "EMF lines in $SMOKE_DIR/signed.log"; fi
stop_dev

echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
