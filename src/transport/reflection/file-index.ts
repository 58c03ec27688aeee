// The schema that server reflection answers from: the file descriptors that
// protoc-gen-es embedded in gen/, indexed by file name and by every symbol
// they declare. Files are answered as serialized FileDescriptorProtos, each
// with its dependencies before it (transitively), as the reflection protocol
// asks, so a client can build its pool in one pass.
import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

export interface FileIndex {
  /** Fully-qualified names of the services served, sorted. */
  readonly serviceNames: readonly string[];
  /** The file named `name` (e.g. `google/rpc/status.proto`) and its dependencies, dependencies first. */
  fileByName(name: string): DescFile[] | undefined;
  /** The file declaring `symbol` (message, enum, service, method, field, extension, enum value) with its dependencies. */
  fileContainingSymbol(symbol: string): DescFile[] | undefined;
  /** The file declaring extension `number` of message `typeName`. */
  fileContainingExtension(typeName: string, number: number): DescFile[] | undefined;
  extensionNumbersOf(typeName: string): number[] | undefined;
  /** Known message type names (for "all extension numbers of": a known type with no extension answers []). */
  hasMessage(typeName: string): boolean;
}

export function createFileIndex(services: readonly DescService[]): FileIndex {
  const byName = new Map<string, DescFile>();
  const bySymbol = new Map<string, DescFile>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const messages = new Set<string>();

  const add = (file: DescFile): void => {
    if (byName.has(file.proto.name)) return;
    byName.set(file.proto.name, file);
    for (const dep of file.dependencies) add(dep);
    for (const type of nestedTypes(file)) {
      bySymbol.set(type.typeName, file);
      switch (type.kind) {
        case "message":
          messages.add(type.typeName);
          for (const field of type.fields) bySymbol.set(`${type.typeName}.${field.name}`, file);
          break;
        case "enum":
          // Enum values are scoped like their enum's siblings (protobuf's C++ scoping rule).
          for (const value of type.values) bySymbol.set(`${type.typeName.slice(0, -type.name.length)}${value.name}`, file);
          break;
        case "service":
          for (const method of type.methods) bySymbol.set(`${type.typeName}.${method.name}`, file);
          break;
        case "extension": {
          const extendee = type.extendee.typeName;
          const numbers = extensions.get(extendee) ?? new Map<number, DescFile>();
          numbers.set(type.number, file);
          extensions.set(extendee, numbers);
          break;
        }
      }
    }
  };
  for (const service of services) add(service.file);

  return {
    serviceNames: services.map((s) => s.typeName).sort(),
    fileByName: (name) => withDependencies(byName.get(name)),
    fileContainingSymbol: (symbol) => withDependencies(bySymbol.get(symbol.replace(/^\./, ""))),
    fileContainingExtension: (typeName, number) => withDependencies(extensions.get(typeName)?.get(number)),
    extensionNumbersOf: (typeName) =>
      messages.has(typeName) ? [...(extensions.get(typeName)?.keys() ?? [])].sort((a, b) => a - b) : undefined,
    hasMessage: (typeName) => messages.has(typeName),
  };
}

/** `file` after its dependencies (depth-first, each file once), or undefined. */
function withDependencies(file: DescFile | undefined): DescFile[] | undefined {
  if (file === undefined) return undefined;
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (f: DescFile): void => {
    if (seen.has(f.proto.name)) return;
    seen.add(f.proto.name);
    for (const dep of f.dependencies) visit(dep);
    ordered.push(f);
  };
  visit(file);
  return ordered;
}

/** A file as the reflection protocol sends it: a serialized FileDescriptorProto. */
export function serializeFile(file: DescFile): Uint8Array {
  return toBinary(FileDescriptorProtoSchema, file.proto);
}
