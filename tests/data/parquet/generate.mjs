// Generates the Parquet fixtures for tests/base/tst_parquet_*.cpp and tst_commonforms_*.cpp with an
// independent writer (arrow-rs through parquet-wasm), in the CommonForms schema that Hugging Face
// `datasets` writes: id, image_id, image{bytes,path} (PNG bytes), file_name, width, height, and `objects`
// as a struct of lists (id, area, bbox list<fixed_size_list<float,4>>, category (ClassLabel 0..2),
// category_id, iscrowd, segmentation). Each file uses other writer settings (codec, dictionary, data page
// v1/v2, row groups). expected.json records what every row holds, for the C++ tests to compare.
// Usage: npm ci && node generate.mjs      (deterministic: the same bytes on every run)
import { writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import {
  Binary, Bool, Field, FixedSizeList, Float32, Int64, List, Struct, Table, Utf8, tableToIPC, vectorFromArray,
} from "apache-arrow";
import * as pq from "parquet-wasm/node";

// ---- deterministic random numbers (mulberry32) -------------------------------------------------
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- a minimal PNG encoder (8-bit grayscale) ---------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(width, height, pixels) {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    pixels.copy(raw, y * (width + 1) + 1, y * width, (y + 1) * width);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 0; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr),
                        chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

// ---- rows in the CommonForms shape ------------------------------------------------------------
function makeRows(split, count, seed, firstId) {
  const r = rng(seed);
  const rows = [];
  for (let i = 0; i < count; i++) {
    const width = 48 + Math.floor(r() * 5) * 8, height = 64 + Math.floor(r() * 5) * 8;
    const pixels = Buffer.alloc(width * height, 255);
    const nObj = i === 2 ? 0 : 1 + Math.floor(r() * 4);  // one page without fields
    const objects = { id: [], area: [], bbox: [], category: [], category_id: [], iscrowd: [], segmentation: [] };
    for (let k = 0; k < nObj; k++) {
      const w = 4 + Math.floor(r() * 16), h = 3 + Math.floor(r() * 10);
      const x = Math.floor(r() * (width - w)), y = Math.floor(r() * (height - h));
      const cat = Math.floor(r() * 3);
      for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) pixels[yy * width + xx] = 40 * cat;
      objects.id.push(firstId * 100 + i * 10 + k);
      objects.area.push(w * h);
      objects.bbox.push([x, y, w + 0.5, h + 0.25]);
      objects.category.push(cat);
      objects.category_id.push(cat);
      objects.iscrowd.push(false);
      objects.segmentation.push([[x, y, x + w, y, x + w, y + h]]);
    }
    const bytes = png(width, height, pixels);
    const pdf = String(1000 + firstId + Math.floor(i / 2)).padStart(7, "0");
    rows.push({
      id: firstId + i, image_id: 5000 + firstId + i,
      image: { bytes, path: i % 3 === 1 ? `${pdf}-${i % 2}.png` : null },
      file_name: `${pdf}-${i % 2}.png`, width, height, objects,
    });
  }
  return rows;
}

const f32 = new Float32();
const i64 = new Int64();
function objectsType(opts) {
  const children = [
    new Field("id", new List(new Field("item", i64, true)), true),
    new Field("area", new List(new Field("item", f32, true)), true),
    new Field("bbox", new List(new Field("item", new FixedSizeList(4, new Field("item", f32, true)), true)), true),
    new Field("category", new List(new Field("item", i64, true)), true),
    new Field("category_id", new List(new Field("item", i64, true)), true),
    new Field("iscrowd", new List(new Field("item", opts.intCrowd ? i64 : new Bool(), true)), true),
  ];
  if (opts.segmentation)
    children.push(new Field("segmentation",
      new List(new Field("item", new List(new Field("item", new List(new Field("item", f32, true)), true)), true)), true));
  return new Struct(children);
}

function toTable(rows, opts) {
  const imageType = new Struct([new Field("bytes", new Binary(), true), new Field("path", new Utf8(), true)]);
  const big = (v) => BigInt(v);
  const objs = rows.map((row) => {
    const o = { ...row.objects };
    o.id = o.id.map(big); o.category = o.category.map(big); o.category_id = o.category_id.map(big);
    if (opts.intCrowd) o.iscrowd = o.iscrowd.map((b) => BigInt(b ? 1 : 0));
    if (!opts.segmentation) delete o.segmentation;
    return o;
  });
  const cols = {
    id: vectorFromArray(rows.map((r) => big(r.id)), i64),
    image_id: vectorFromArray(rows.map((r) => big(r.image_id)), i64),
    image: vectorFromArray(rows.map((r) => ({ bytes: new Uint8Array(r.image.bytes), path: r.image.path })), imageType),
    file_name: vectorFromArray(rows.map((r) => r.file_name), new Utf8()),
    width: vectorFromArray(rows.map((r) => big(r.width)), i64),
    height: vectorFromArray(rows.map((r) => big(r.height)), i64),
  };
  if (opts.listOfStruct) {
    // datasets >= 4 `List({...})`: objects is a list of structs instead of a struct of lists.
    const elem = new Struct([
      new Field("id", i64, true), new Field("area", f32, true),
      new Field("bbox", new FixedSizeList(4, new Field("item", f32, true)), true),
      new Field("category", i64, true)]);
    cols.objects = vectorFromArray(rows.map((r) => r.objects.id.map((_, k) => ({
      id: big(r.objects.id[k]), area: r.objects.area[k], bbox: r.objects.bbox[k], category: big(r.objects.category[k]),
    }))), new List(new Field("item", elem, true)));
  } else {
    cols.objects = vectorFromArray(objs, objectsType(opts));
  }
  return new Table(cols);
}

const HF_FEATURES = JSON.stringify({ info: { features: {
  id: { dtype: "int64", _type: "Value" }, image_id: { dtype: "int64", _type: "Value" }, image: { _type: "Image" },
  file_name: { dtype: "string", _type: "Value" }, width: { dtype: "int64", _type: "Value" },
  height: { dtype: "int64", _type: "Value" },
  objects: { feature: {
    id: { dtype: "int64", _type: "Value" }, area: { dtype: "float32", _type: "Value" },
    bbox: { feature: { dtype: "float32", _type: "Value" }, length: 4, _type: "Sequence" },
    category: { names: ["Text", "CheckBox", "Signature"], _type: "ClassLabel" },
    category_id: { dtype: "int64", _type: "Value" }, iscrowd: { dtype: "bool", _type: "Value" },
  }, _type: "Sequence" },
} } });

function write(name, table, settings) {
  let b = new pq.WriterPropertiesBuilder()
    .setCompression(settings.codec)
    .setDictionaryEnabled(settings.dictionary)
    .setWriterVersion(settings.v2 ? pq.WriterVersion.V2 : pq.WriterVersion.V1)
    .setMaxRowGroupSize(settings.rowGroup)
    .setCreatedBy("parquet-wasm 0.8.0 (arrow-rs) via tests/data/parquet/generate.mjs");
  if (settings.encoding !== undefined) b = b.setEncoding(settings.encoding);
  if (settings.hfMetadata) b = b.setKeyValueMetadata(new Map([["huggingface", HF_FEATURES]]));
  const bytes = pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, "stream")), b.build());
  writeFileSync(name, bytes);
  return bytes.length;
}

function expectedRows(rows) {
  return rows.map((r) => ({
    id: r.id, image_id: r.image_id, file_name: r.file_name, width: r.width, height: r.height,
    image_path: r.image.path, image_sha256: createHash("sha256").update(r.image.bytes).digest("hex"),
    image_size: r.image.bytes.length, bbox: r.objects.bbox, category: r.objects.category, area: r.objects.area,
    object_id: r.objects.id,
  }));
}

const C = pq.Compression;

// ---- bench mode: CommonForms-sized shards for bench/base_hub_images.cpp (not committed) --------
// node generate.mjs --bench DIR [ROWS_PER_SHARD] writes DIR/<layout>/data/train-0000{0,1}-of-00002.parquet
// and valid-00000-of-00001.parquet with ~370 kB incompressible image payloads (PNG pages do not compress
// further) in three layouts: uncompressed and snappy with ~1 MB pages (arrow-rs: 3-4 images per page), and
// snappy with one page per 100-row row group (what pyarrow's writer produces when a whole row group of
// images arrives in one write batch, as `datasets` writes image datasets).
if (process.argv[2] === "--bench") {
  const dir = process.argv[3];
  const rowsPerShard = Number(process.argv[4] || 100);
  const { mkdirSync, randomFillSync } = await import("node:fs").then(async (fs) => ({
    mkdirSync: fs.mkdirSync, randomFillSync: (await import("node:crypto")).randomFillSync }));
  const layouts = [
    { name: "uncompressed", codec: C.UNCOMPRESSED, pageLimit: 1 << 20 },
    { name: "snappy-1MB-pages", codec: C.SNAPPY, pageLimit: 1 << 20 },
    { name: "snappy-page-per-rowgroup", codec: C.SNAPPY, pageLimit: 256 << 20 },
  ];
  const shards = [["train-00000-of-00002.parquet", 1], ["train-00001-of-00002.parquet", 2], ["valid-00000-of-00001.parquet", 3]];
  const rowsOf = {};
  for (const [name, seed] of shards) {
    const rows = makeRows("bench", rowsPerShard, seed, seed * 1000);
    const r = rng(seed * 77);
    for (const row of rows) {
      const size = 300000 + Math.floor(r() * 140000);
      const bytes = Buffer.alloc(size);
      randomFillSync(bytes);
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
      row.image.bytes = bytes;
    }
    rowsOf[name] = rows;
  }
  for (const l of layouts) {
    mkdirSync(`${dir}/${l.name}/data`, { recursive: true });
    for (const [name] of shards) {
      const props = new pq.WriterPropertiesBuilder().setCompression(l.codec).setDictionaryEnabled(false)
        .setEncoding(pq.Encoding.PLAIN).setWriterVersion(pq.WriterVersion.V1).setMaxRowGroupSize(100)
        .setDataPageSizeLimit(l.pageLimit)
        .setKeyValueMetadata(new Map([["huggingface", HF_FEATURES]])).build();
      const bytes = pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(toTable(rowsOf[name], {}), "stream")), props);
      writeFileSync(`${dir}/${l.name}/data/${name}`, bytes);
    }
    console.log(`${dir}/${l.name}: ${shards.length} shards of ${rowsPerShard} rows`);
  }
  process.exit(0);
}

const files = [
  { name: "train-00000-of-00002.parquet", split: "train", seed: 11, n: 7, first: 0,
    opts: { segmentation: true }, settings: { codec: C.SNAPPY, dictionary: true, v2: false, rowGroup: 3 } },
  { name: "train-00001-of-00002.parquet", split: "train", seed: 12, n: 5, first: 7,
    opts: { segmentation: true }, settings: { codec: C.ZSTD, dictionary: true, v2: true, rowGroup: 4 } },
  { name: "valid-00000-of-00001.parquet", split: "valid", seed: 21, n: 6, first: 100,
    opts: { intCrowd: true }, settings: { codec: C.GZIP, dictionary: false, v2: false, rowGroup: 100,
                                          encoding: pq.Encoding.PLAIN } },
  { name: "test-00000-of-00001.parquet", split: "test", seed: 31, n: 4, first: 200,
    opts: {}, settings: { codec: C.UNCOMPRESSED, dictionary: false, v2: false, rowGroup: 2,
                          encoding: pq.Encoding.PLAIN } },
  { name: "list_of_struct.parquet", split: "", seed: 41, n: 4, first: 300,
    opts: { listOfStruct: true }, settings: { codec: C.SNAPPY, dictionary: true, v2: false, rowGroup: 10 } },
  { name: "brotli.parquet", split: "", seed: 51, n: 2, first: 400,
    opts: {}, settings: { codec: C.BROTLI, dictionary: false, v2: false, rowGroup: 10 } },
  { name: "delta_v2.parquet", split: "", seed: 61, n: 3, first: 500,
    opts: {}, settings: { codec: C.UNCOMPRESSED, dictionary: false, v2: true, rowGroup: 10 } },
];

const expected = {};
for (const f of files) {
  const rows = makeRows(f.split, f.n, f.seed, f.first);
  const size = write(f.name, toTable(rows, f.opts), { ...f.settings, hfMetadata: !f.opts.listOfStruct });
  expected[f.name] = { split: f.split, rows: expectedRows(rows) };
  console.log(`${f.name}: ${f.n} rows, ${size} bytes`);
}
// A parquet file that is not CommonForms (text classification).
const other = new Table({
  text: vectorFromArray(["a form", "not a form"], new Utf8()),
  label: vectorFromArray([1n, 0n], i64),
});
write("wrong_schema.parquet", other, { codec: C.SNAPPY, dictionary: true, v2: false, rowGroup: 10 });
writeFileSync("expected.json", JSON.stringify(expected, null, 1) + "\n");
