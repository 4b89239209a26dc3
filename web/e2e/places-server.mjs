// For the browser tests only: a local server answering as Amazon Location's
// Places API documents `Geocode` (POST /v2/geocode, SigV4-signed for
// geo-places, JSON body with QueryText; ResultItems with Position as
// [longitude, latitude], the pricing bucket in a header), for the one
// address the tests type. The Rust tests hold the client to the same
// format (tests/tests/it/geocoding.rs).
// Usage: node places-server.mjs PORT
import { createServer } from 'node:http';

const KNOWN = {
  '1 main st, montreal': { label: '1 Main St, Montreal, QC H2X 1A1, Canada', lng: -73.5673, lat: 45.5017 },
};

createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  const auth = req.headers.authorization ?? '';
  if (req.method !== 'POST' || !req.url.startsWith('/v2/geocode') || !auth.startsWith('AWS4-HMAC-SHA256') || !auth.includes('/geo-places/aws4_request')) {
    res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' });
    return res.end(JSON.stringify({ message: 'not a signed geo-places request' }));
  }
  const query = String(JSON.parse(body || '{}').QueryText ?? '').trim().toLowerCase();
  const hit = KNOWN[query];
  const items = hit
    ? [{ PlaceId: 'p1', PlaceType: 'PointAddress', Title: hit.label.split(',')[0], Address: { Label: hit.label }, Position: [hit.lng, hit.lat] }]
    : [];
  res.writeHead(200, { 'content-type': 'application/json', 'x-amz-geo-pricing-bucket': 'Core' });
  res.end(JSON.stringify({ ResultItems: items }));
}).listen(Number(process.argv[2] ?? 9132), '127.0.0.1');
