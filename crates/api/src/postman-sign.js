// Signs this request the way the hook's credential checks it, with the
// secret from the Postman variable hookSecret (never stored in the export).
// `scheme` above this line says how: the preset, and for the generic preset
// the hash, the header, the encoding and the prefix.
const secret = pm.variables.get('hookSecret');
if (!secret) {
  throw new Error('Set the collection variable hookSecret to the secret of the credential ' + scheme.credential + '.');
}
// The bytes sent are the raw body after Postman replaces its variables.
const body = pm.request.body && pm.request.body.mode === 'raw' ? pm.variables.replaceIn(pm.request.body.raw || '') : '';
const hmac = { sha256: CryptoJS.HmacSHA256, sha1: CryptoJS.HmacSHA1, sha512: CryptoJS.HmacSHA512 };
const now = String(Math.floor(Date.now() / 1000));
const headers = {};
if (scheme.preset === 'stripe') {
  const tag = CryptoJS.HmacSHA256(now + '.' + body, secret).toString(CryptoJS.enc.Hex);
  headers['Stripe-Signature'] = 't=' + now + ',v1=' + tag;
} else if (scheme.preset === 'standard-webhooks') {
  // The key is the bytes behind whsec_<base64>; each request gets a new message id.
  const key = CryptoJS.enc.Base64.parse(secret.trim().replace(/^whsec_/, ''));
  const id = 'msg_' + CryptoJS.lib.WordArray.random(12).toString(CryptoJS.enc.Hex);
  const tag = CryptoJS.HmacSHA256(id + '.' + now + '.' + body, key).toString(CryptoJS.enc.Base64);
  headers['webhook-id'] = id;
  headers['webhook-timestamp'] = now;
  headers['webhook-signature'] = 'v1,' + tag;
} else {
  const encoding = scheme.encoding === 'base64' ? CryptoJS.enc.Base64 : CryptoJS.enc.Hex;
  const tag = hmac[scheme.algorithm](body, secret).toString(encoding);
  headers[scheme.header] = (scheme.prefix || '') + tag;
}
Object.keys(headers).forEach(function (name) {
  pm.request.headers.upsert({ key: name, value: headers[name] });
});
