// Postgres's binary send/receive format for a one-dimensional real[] (array_recv): a header of
// ndim, a has-nulls flag, the element type's OID and the dimension's length and lower bound, then
// each element as a length (4) and a big-endian float4. node-postgres sends a Buffer parameter in
// binary, so a vector goes as 8 bytes per element that Postgres copies in, instead of a decimal
// literal that both sides format and parse digit by digit (about 8 ms per 64 vectors of 256 in
// pg's array escaping alone, and 1.7x the bytes).

const FLOAT4_OID = 700;
const HEADER_BYTES = 20;

/** `vector` as a binary real[] parameter; each element is rounded to float4 as a cast would. */
export function float4ArrayParam(vector: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + vector.length * 8);
  out.writeInt32BE(1, 0);
  out.writeInt32BE(0, 4);
  out.writeInt32BE(FLOAT4_OID, 8);
  out.writeInt32BE(vector.length, 12);
  out.writeInt32BE(1, 16);
  let at = HEADER_BYTES;
  for (const v of vector) {
    out.writeInt32BE(4, at);
    out.writeFloatBE(v, at + 4);
    at += 8;
  }
  return out;
}
