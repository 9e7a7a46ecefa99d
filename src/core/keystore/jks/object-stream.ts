// Finding where one Java serialized object ends, without interpreting it: how a JCEKS secret-key entry is stepped over.
//
// JCEKS writes a secret key as a javax.crypto.SealedObject through a fresh ObjectOutputStream, with
// no length before it, so the only way past it is to walk the stream's grammar (Java Object
// Serialization Specification, chapter 6, "Object Serialization Stream Protocol"). This walks it
// and builds nothing: class descriptors are remembered only for the field types later objects of
// the same class need, and no class is ever named to anything that could load one.

import { badInput } from '../../errors.js';
import type { DataInput } from './data-input.js';

const STREAM_MAGIC = 0xaced;
const STREAM_VERSION = 5;
/** Handles are numbered from here (§6.4.1, baseWireHandle). */
const BASE_WIRE_HANDLE = 0x7e0000;

const TC = {
  NULL: 0x70,
  REFERENCE: 0x71,
  CLASSDESC: 0x72,
  OBJECT: 0x73,
  STRING: 0x74,
  ARRAY: 0x75,
  CLASS: 0x76,
  BLOCKDATA: 0x77,
  ENDBLOCKDATA: 0x78,
  RESET: 0x79,
  BLOCKDATALONG: 0x7a,
  EXCEPTION: 0x7b,
  LONGSTRING: 0x7c,
  PROXYCLASSDESC: 0x7d,
  ENUM: 0x7e,
} as const;

const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;
const SC_EXTERNALIZABLE = 0x04;
const SC_BLOCK_DATA = 0x08;

/** Bytes each primitive field type code takes (§6.4.2, prim_typecode). */
const PRIMITIVE_SIZE: Readonly<Record<string, number>> = { B: 1, C: 2, D: 8, F: 4, I: 4, J: 8, S: 2, Z: 1 };

/** A SealedObject nests three levels; a deeper stream is hostile, and recursion must stay bounded. */
const MAX_DEPTH = 32;
/** A sealed key is a few hundred bytes in a handful of objects; more is not a key store's secret key. */
const MAX_OBJECTS = 10_000;

interface ClassDesc {
  /** The class name: for arrays (`[B`, `[Ljava.lang.String;`) it gives the element type. */
  name: string;
  flags: number;
  /** Field type codes in stream order: a primitive code, or `L`/`[` for an object. */
  fields: string[];
  superClass: ClassDesc | null;
}

/** Steps over one serialized object, header included, leaving `input` just after it. */
export function skipSerializedObject(input: DataInput, what: string): void {
  new ObjectStreamWalker(input, what).skipStream();
}

class ObjectStreamWalker {
  readonly #in: DataInput;
  readonly #what: string;
  /** What each handle names: a class descriptor, or something whose contents are never needed again. */
  readonly #handles: Array<ClassDesc | null> = [];
  #objects = 0;

  constructor(input: DataInput, what: string) {
    this.#in = input;
    this.#what = what;
  }

  skipStream(): void {
    if (this.#in.u16(this.#what) !== STREAM_MAGIC || this.#in.u16(this.#what) !== STREAM_VERSION) throw this.#bad('it does not start as a Java object stream');
    let tc = this.#in.u8(this.#what);
    while (tc === TC.RESET) {
      this.#handles.length = 0;
      tc = this.#in.u8(this.#what);
    }
    this.#content(tc, 0);
  }

  #bad(why: string): Error {
    return badInput(`${this.#what} is damaged: ${why} (at offset ${this.#in.offset})`);
  }

  #newHandle(value: ClassDesc | null): void {
    if (++this.#objects > MAX_OBJECTS) throw this.#bad(`more than ${MAX_OBJECTS} objects`);
    this.#handles.push(value);
  }

  #reference(): ClassDesc | null {
    const index = this.#in.i32(this.#what) - BASE_WIRE_HANDLE;
    if (index < 0 || index >= this.#handles.length) throw this.#bad('a reference to an object not yet read');
    return this.#handles[index];
  }

  /** One `content` (§6.4.2): an object, or block data. */
  #content(tc: number, depth: number): void {
    if (depth > MAX_DEPTH) throw this.#bad(`objects nested more than ${MAX_DEPTH} deep`);
    switch (tc) {
      case TC.BLOCKDATA:
        this.#in.skip(this.#in.u8(this.#what), this.#what);
        return;
      case TC.BLOCKDATALONG:
        this.#in.skip(this.#in.i32(this.#what), this.#what);
        return;
      default:
        this.#object(tc, depth);
    }
  }

  /** One `object`; returns the class descriptor when the object is one. */
  #object(tc: number, depth: number): ClassDesc | null {
    if (depth > MAX_DEPTH) throw this.#bad(`objects nested more than ${MAX_DEPTH} deep`);
    switch (tc) {
      case TC.NULL:
        return null;
      case TC.REFERENCE:
        return this.#reference();
      case TC.STRING:
        this.#newHandle(null);
        this.#in.skip(this.#in.u16(this.#what), this.#what);
        return null;
      case TC.LONGSTRING: {
        this.#newHandle(null);
        const length = this.#in.i64(this.#what);
        if (length < 0n || length > BigInt(this.#in.remaining)) throw this.#bad('a string longer than the file');
        this.#in.skip(Number(length), this.#what);
        return null;
      }
      case TC.CLASSDESC:
      case TC.PROXYCLASSDESC:
        return this.#newClassDesc(tc, depth);
      case TC.CLASS:
        this.#classDesc(depth + 1);
        this.#newHandle(null);
        return null;
      case TC.ENUM:
        this.#classDesc(depth + 1);
        this.#newHandle(null);
        this.#object(this.#in.u8(this.#what), depth + 1);
        return null;
      case TC.ARRAY:
        this.#array(depth);
        return null;
      case TC.OBJECT:
        this.#newObject(depth);
        return null;
      case TC.EXCEPTION:
        throw this.#bad('the stream records an exception thrown while it was written');
      default:
        throw this.#bad(`unknown type code 0x${tc.toString(16)}`);
    }
  }

  /** A `classDesc`: a new descriptor, null, or a reference to one read before. */
  #classDesc(depth: number): ClassDesc | null {
    const tc = this.#in.u8(this.#what);
    if (tc !== TC.CLASSDESC && tc !== TC.PROXYCLASSDESC && tc !== TC.NULL && tc !== TC.REFERENCE) throw this.#bad('a class descriptor was expected');
    return this.#object(tc, depth);
  }

  #newClassDesc(tc: number, depth: number): ClassDesc {
    if (tc === TC.PROXYCLASSDESC) {
      const desc: ClassDesc = { name: '', flags: SC_SERIALIZABLE, fields: [], superClass: null };
      this.#newHandle(desc);
      const interfaces = this.#in.i32(this.#what);
      if (interfaces < 0 || interfaces > this.#in.remaining) throw this.#bad('a bad count of proxy interfaces');
      for (let i = 0; i < interfaces; i++) this.#in.utf(this.#what);
      this.#annotation(depth);
      desc.superClass = this.#classDesc(depth + 1);
      return desc;
    }
    const name = this.#in.utf(this.#what);
    this.#in.skip(8, this.#what); // serialVersionUID
    const desc: ClassDesc = { name, flags: 0, fields: [], superClass: null };
    this.#newHandle(desc);
    desc.flags = this.#in.u8(this.#what);
    const count = this.#in.u16(this.#what);
    for (let i = 0; i < count; i++) {
      const code = String.fromCharCode(this.#in.u8(this.#what));
      this.#in.utf(this.#what); // the field's name
      if (code === 'L' || code === '[') this.#object(this.#in.u8(this.#what), depth + 1); // its class name, a String
      else if (!(code in PRIMITIVE_SIZE)) throw this.#bad(`unknown field type "${code}"`);
      desc.fields.push(code);
    }
    this.#annotation(depth);
    desc.superClass = this.#classDesc(depth + 1);
    return desc;
  }

  /** A `classAnnotation` or `objectAnnotation`: contents up to TC_ENDBLOCKDATA. */
  #annotation(depth: number): void {
    for (let tc = this.#in.u8(this.#what); tc !== TC.ENDBLOCKDATA; tc = this.#in.u8(this.#what)) this.#content(tc, depth + 1);
  }

  #array(depth: number): void {
    const desc = this.#classDesc(depth + 1);
    if (!desc || !desc.name.startsWith('[')) throw this.#bad('an array without an array class');
    this.#newHandle(null);
    const size = this.#in.i32(this.#what);
    if (size < 0 || size > this.#in.remaining) throw this.#bad('an array longer than the file');
    const element = desc.name[1];
    const width = PRIMITIVE_SIZE[element];
    if (width !== undefined) {
      this.#in.skip(size * width, this.#what);
      return;
    }
    for (let i = 0; i < size; i++) this.#object(this.#in.u8(this.#what), depth + 1);
  }

  #newObject(depth: number): void {
    const desc = this.#classDesc(depth + 1);
    if (!desc) throw this.#bad('an object without a class');
    this.#newHandle(null);
    // Class data goes from the top superclass down (§6.4.2, classdata).
    const chain: ClassDesc[] = [];
    for (let d: ClassDesc | null = desc; d; d = d.superClass) {
      if (chain.length > MAX_DEPTH) throw this.#bad(`a class hierarchy deeper than ${MAX_DEPTH}`);
      chain.unshift(d);
    }
    for (const d of chain) {
      if (d.flags & SC_EXTERNALIZABLE) {
        // Protocol version 1 external data has no end marker: nothing can step over it.
        if (!(d.flags & SC_BLOCK_DATA)) throw this.#bad('externalizable data in the old protocol, which has no length');
        this.#annotation(depth);
        continue;
      }
      if (!(d.flags & SC_SERIALIZABLE)) continue;
      for (const code of d.fields) {
        const width = PRIMITIVE_SIZE[code];
        if (width !== undefined) this.#in.skip(width, this.#what);
        else this.#object(this.#in.u8(this.#what), depth + 1);
      }
      if (d.flags & SC_WRITE_METHOD) this.#annotation(depth);
    }
  }
}
