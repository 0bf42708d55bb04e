// Verifies a rathaus-gaiax ConfigMap's Loire credentials with npm's jose (the JOSE library
// the Gaia-X compliance service uses), a third implementation besides rathaus' signer and the
// go-jose of check-gaiax, and shows that a tampered offering is refused. Not run by CI:
//   npm install jose@6 && kubectl get cm -n kiel rathaus-gaiax -o json > cm.json && node hack/verify-gaiax.mjs cm.json
import { readFileSync } from 'node:fs';
import { importJWK, compactVerify, decodeProtectedHeader } from 'jose';
const cm = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const method = JSON.parse(cm.data['did-key.json']);
const key = await importJWK(method.publicKeyJwk, method.publicKeyJwk.alg);
for (const k of ['legal-person.jwt', 'issuer.jwt', 'service-offering.jwt', 'presentation.jwt']) {
  const { payload, protectedHeader } = await compactVerify(cm.data[k], key, { algorithms: [method.publicKeyJwk.alg] });
  const doc = JSON.parse(new TextDecoder().decode(payload));
  console.log(`${k}: verified by npm jose, ${protectedHeader.alg} ${protectedHeader.typ} kid=${protectedHeader.kid}, id ${doc.id}`);
}
const jwt = cm.data['service-offering.jwt'].split('.');
const forged = Buffer.from(jwt[1], 'base64url').toString().replace('GDPR2016', 'CCPA2018');
try {
  await compactVerify([jwt[0], Buffer.from(forged).toString('base64url'), jwt[2]].join('.'), key);
  console.log('TAMPERED OFFERING VERIFIED: wrong');
  process.exit(1);
} catch (e) { console.log(`tampered service-offering.jwt (GDPR2016 -> CCPA2018): refused by npm jose: ${e.code}`); }
