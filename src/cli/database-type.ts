// The type of a new key database: --type when given, else what the file's extension says, else a fallback.

export type DatabaseType = 'cms' | 'pkcs12';

/** Extensions whose type is not in doubt (gskkyman's .kdb; .p12 and .pfx as openssl and Windows name PKCS #12). */
const TYPE_BY_EXTENSION: Readonly<Record<string, DatabaseType>> = { '.kdb': 'cms', '.p12': 'pkcs12', '.pfx': 'pkcs12' };

/** The type the file's name says, when it says one. */
export function typeFromExtension(file: string): DatabaseType | undefined {
  const m = /(\.[^./\\]+)$/.exec(file);
  return m ? TYPE_BY_EXTENSION[m[1].toLowerCase()] : undefined;
}

/** --type wins, a mismatch with the extension is warned; without --type the extension decides, else the fallback. */
export function newDatabaseType(file: string, flag: string | undefined, fallback: DatabaseType, warn: (message: string) => void): DatabaseType {
  const named = typeFromExtension(file);
  if (flag !== undefined) {
    const type = flag as DatabaseType;
    if (named !== undefined && named !== type) warn(`${file} is named as ${named === 'cms' ? 'a CMS key database' : 'PKCS #12'} but --type ${type} writes ${type === 'cms' ? 'a CMS key database' : 'PKCS #12'}: other tools may be misled by the name`);
    return type;
  }
  return named ?? fallback;
}
