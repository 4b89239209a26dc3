#!/usr/bin/env bash
# Drives the runbook's curl lines against the built functions through
# `cargo lambda watch`, as an operator would. Expects the stack env (see
# lib.sh export_stack_env) and a provisioned table. Usage: smoke.sh PORT
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT=${1:-9100}
BASE_URL="http://127.0.0.1:$PORT"
ADMIN_WALLET=ALAYoJpabALEEt7czrdMm9Du5dWybtyCC4jJ3GXynz24
export ADMIN_WALLETS=$ADMIN_WALLET ALLOW_UNSIGNED_ADMIN=true CYCLE_ALLOW_PAST_MONTHS=true RUST_LOG=warn
LOG="$ROOT/.local/test-logs/smoke-watch.log"

cargo build -q -p functions
cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$PORT" >"$LOG" 2>&1 &
WATCH=$!
trap 'pkill -TERM -P $WATCH 2>/dev/null; kill $WATCH 2>/dev/null; wait $WATCH 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done

passed=0; failed=0
# check NAME EXPECTED_STATUS PYTHON_ASSERTION -- curl args...
check() {
  local name=$1 want=$2 assertion=$3; shift 4
  local out status body
  out=$(curl -s --max-time 60 -w '\n%{http_code}' "$@")
  status=${out##*$'\n'}; body=${out%$'\n'*}
  if [ "$status" = "$want" ] && BODY="$body" python3 -c "import json,os; b=json.loads(os.environ['BODY']); assert $assertion, b" 2>/dev/null; then
    passed=$((passed+1)); echo "ok   $name"
  else
    failed=$((failed+1)); echo "FAIL $name: status $status (want $want): $body"
  fi
}

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
wallets=$(python3 - <<'PY'
import hashlib
A='123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
def b58(b):
    n=int.from_bytes(b,'big'); s=''
    while n: n,r=divmod(n,58); s=A[r]+s
    return '1'*(len(b)-len(b.lstrip(b'\0')))+s
for i in range(101): print(b58(hashlib.sha256(b'smoke-%d' % i).digest()))
PY
)
i=0; allocated=0
for w in $wallets; do
  i=$((i+1)); [ $i -le 100 ] || break
  code=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -X POST "$BASE_URL/api/partners/seats" -H "content-type: application/json" \
    -H "x-admin-wallet: $ADMIN_WALLET" -d "{\"wallet\":\"$w\"}")
  [ "$code" = 201 ] && allocated=$((allocated+1))
done
if [ $allocated = 100 ]; then passed=$((passed+1)); echo "ok   100 seats allocated"; else failed=$((failed+1)); echo "FAIL only $allocated of 100 seats allocated"; fi
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
h1=$(BODY="$body" TS="$ts" python3 -c "import hmac,hashlib,os; print(hmac.new(os.environ['PADDLE_WEBHOOK_SECRET_KEY'].encode(), (os.environ['TS']+':'+os.environ['BODY']).encode(), hashlib.sha256).hexdigest())")
check "paddle webhook accepted" 200 "b['received'] is True and b['duplicate'] is False" -- \
  -X POST "$BASE_URL/api/webhooks/paddle" -H "content-type: application/json" -H "paddle-signature: ts=$ts;h1=$h1" --data-raw "$body"
check "paddle webhook redelivery deduped" 200 "b['duplicate'] is True" -- \
  -X POST "$BASE_URL/api/webhooks/paddle" -H "content-type: application/json" -H "paddle-signature: ts=$ts;h1=$h1" --data-raw "$body"
check "paddle webhook bad signature" 401 "b['error']['code']=='WEBHOOK_INVALID_SIGNATURE'" -- \
  -X POST "$BASE_URL/api/webhooks/paddle" -H "content-type: application/json" -H "paddle-signature: ts=$ts;h1=00" --data-raw "$body"
check "webhook event and audit trail" 200 "b['event']['status']=='received' and any(a['action']=='webhook.duplicate' for a in b['audit'])" -- \
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
  "$BASE_URL/api/webhooks/events?status=received&from=$from&to=$to" -H "x-admin-wallet: $ADMIN_WALLET"
check "window before the incident is empty" 200 "b['events']==[]" -- \
  "$BASE_URL/api/webhooks/events?status=received&to=$from" -H "x-admin-wallet: $ADMIN_WALLET"
check "reversed window refused" 400 "b['error']['code']=='INVALID_WINDOW'" -- \
  "$BASE_URL/api/audit?action=program.refill_frozen&from=$to&to=$from" -H "x-admin-wallet: $ADMIN_WALLET"

# Partner Network: businesses call with bearer tokens from the local issuer.
mint() { cargo run -q -p integration-tests --bin mint-token -- --business "$1" --role "$2"; }
OWNER_A=$(mint biz-a owner); STAFF_B=$(mint biz-b staff)
profile='{"name":"Cafe A","category":"cafe","categories":["bakery"],"location":{"lat":45.5017,"lng":-73.5673},"address":"1 Main St","availableForPartnership":true}'
check "network: a token is required" 401 "b['error']['code']=='TOKEN_MISSING'" -- "$BASE_URL/api/v1/partners/biz-a"
check "network: staff cannot register" 403 "b['error']['code']=='OWNER_ONLY'" -- \
  -X POST "$BASE_URL/api/v1/businesses" -H "authorization: Bearer $STAFF_B" -H "content-type: application/json" -d "$profile"
check "network: owner registers its business" 201 "b['businessId']=='biz-a' and b['rating']==0" -- \
  -X POST "$BASE_URL/api/v1/businesses" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d "$profile"
check "network: another business reads the profile" 200 "b['name']=='Cafe A' and b['categories']==['cafe','bakery']" -- \
  "$BASE_URL/api/v1/partners/biz-a" -H "authorization: Bearer $STAFF_B"
check "network: the directory finds it nearby" 200 "[p['businessId'] for p in b['partners']]==['biz-a'] and b['partners'][0]['distanceKm']<1" -- \
  "$BASE_URL/api/v1/partners/directory?lat=45.5&lng=-73.57&radiusKm=5&category=cafe" -H "authorization: Bearer $STAFF_B"
check "network: the directory never lists the caller" 200 "b['partners']==[]" -- \
  "$BASE_URL/api/v1/partners/directory?lat=45.5&lng=-73.57&radiusKm=5" -H "authorization: Bearer $OWNER_A"
# The spec's example: A invites B, B accepts; a third business sees nothing.
OWNER_B=$(mint biz-b owner); OWNER_C=$(mint biz-c owner)
check "network: B registers" 201 "b['businessId']=='biz-b'" -- \
  -X POST "$BASE_URL/api/v1/businesses" -H "authorization: Bearer $OWNER_B" -H "content-type: application/json" -d "${profile/Cafe A/Shop B}"
invite='{"partnerBusinessId":"biz-b","type":"POINTS_COALITION","revenueSharingTerms":{"type":"PERCENTAGE","businessAShare":5,"businessBShare":5,"settlementFrequency":"MONTHLY"}}'
partnership=$(curl -s -X POST "$BASE_URL/api/v1/partnerships" -H "authorization: Bearer $OWNER_A" -H "content-type: application/json" -d "$invite")
pid=$(BODY="$partnership" python3 -c "import json,os; print(json.loads(os.environ['BODY']).get('id',''))")
check "network: A's invitation is pending" 200 "b['status']=='PENDING' and b['businessBId']=='biz-b'" -- \
  "$BASE_URL/api/v1/partnerships/$pid" -H "authorization: Bearer $OWNER_A"
check "network: B accepts" 200 "b['status']=='ACTIVE' and b['activatedAt']" -- \
  -X PATCH "$BASE_URL/api/v1/partnerships/$pid/accept" -H "authorization: Bearer $OWNER_B"
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
CUSTOMER=$(cargo run -q -p integration-tests --bin mint-token -- --customer cust-smoke)
check "network: the customer's points are spent" 200 "b['balances']==[{'programBusinessId':'biz-a','points':0,'valueCents':0}]" -- \
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

# Every sample event through the emulator, as `make invoke` sends it: each
# function starts and answers its sample without an error.
for sample in "$ROOT"/events/*.json; do
  fn=$(basename "$sample" .json); fn=${fn%%--*}
  if out=$(cargo lambda invoke --invoke-address 127.0.0.1 --invoke-port "$PORT" "$fn" --data-file "$sample" 2>&1); then
    passed=$((passed+1)); echo "ok   invoke $fn $(basename "$sample")"
  else
    failed=$((failed+1)); echo "FAIL invoke $fn $(basename "$sample"): $(echo "$out" | tail -n 3)"
  fi
done

echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
