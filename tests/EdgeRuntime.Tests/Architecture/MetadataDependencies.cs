using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace EdgeRuntime.Tests.Architecture;

/// <summary>
/// Which namespaces each namespace of a built assembly uses, read from its metadata (System.Reflection.Metadata), not
/// from source text: base types and interfaces, field/method/property signatures, custom attributes, and every token in
/// the method bodies (calls, field accesses, newobj, casts, ldtoken, local variable types). So a reference written
/// through `using static`, an alias or type inference counts as well as a qualified name.
/// </summary>
internal static class MetadataDependencies
{
    /// <summary>
    /// (from layer, to layer) -> one example "Type -> referenced type", for messages. <paramref name="layer"/> maps an
    /// (assembly name, namespace) pair to its layer, or null for what does not count (System..., third parties).
    /// </summary>
    public static Dictionary<(string From, string To), string> Read(string assemblyPath, Func<string, string, string?> layer)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        var edges = new Dictionary<(string, string), string>();
        string self = md.GetString(md.GetAssemblyDefinition().Name);
        var collector = new Collector(md, self);
        foreach (TypeDefinitionHandle th in md.TypeDefinitions)
        {
            if (layer(self, NamespaceOf(md, th)) is not { } from) continue;
            string typeName = md.GetString(md.GetTypeDefinition(th).Name);
            collector.Found.Clear();
            collector.Type(th, pe);
            foreach (var ((assembly, ns), example) in collector.Found)
                if (layer(assembly, ns) is { } to && to != from) edges.TryAdd((from, to), $"{typeName} -> {example}");
        }
        return edges;
    }

    /// <summary>The namespace a type definition lives in (a nested type: its outermost declaring type's).</summary>
    private static string NamespaceOf(MetadataReader md, TypeDefinitionHandle h)
    {
        TypeDefinition t = md.GetTypeDefinition(h);
        while (t.IsNested) t = md.GetTypeDefinition(t.GetDeclaringType());
        return md.GetString(t.Namespace);
    }

    /// <summary>The namespace and assembly of a referenced type (<paramref name="self"/> when it is in this module).</summary>
    private static (string Assembly, string Namespace) NamespaceOf(MetadataReader md, TypeReferenceHandle h, string self)
    {
        TypeReference r = md.GetTypeReference(h);
        while (r.ResolutionScope.Kind == HandleKind.TypeReference) r = md.GetTypeReference((TypeReferenceHandle)r.ResolutionScope);
        string assembly = r.ResolutionScope.Kind == HandleKind.AssemblyReference
            ? md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)r.ResolutionScope).Name)
            : self;
        return (assembly, md.GetString(r.Namespace));
    }

    /// <summary>Walks one type's metadata and collects (namespace, example type name) of everything it names.</summary>
    private sealed class Collector(MetadataReader md, string self) : ISignatureTypeProvider<int, object?>
    {
        private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

        public readonly Dictionary<(string Assembly, string Namespace), string> Found = [];

        public void Type(TypeDefinitionHandle th, PEReader pe)
        {
            TypeDefinition t = md.GetTypeDefinition(th);
            Handle(t.BaseType);
            foreach (InterfaceImplementationHandle i in t.GetInterfaceImplementations()) Handle(md.GetInterfaceImplementation(i).Interface);
            Attributes(t.GetCustomAttributes());
            foreach (FieldDefinitionHandle fh in t.GetFields())
            {
                FieldDefinition f = md.GetFieldDefinition(fh);
                f.DecodeSignature(this, null);
                Attributes(f.GetCustomAttributes());
            }
            foreach (PropertyDefinitionHandle ph in t.GetProperties())
                md.GetPropertyDefinition(ph).DecodeSignature(this, null);
            foreach (MethodDefinitionHandle mh in t.GetMethods())
            {
                MethodDefinition m = md.GetMethodDefinition(mh);
                m.DecodeSignature(this, null);
                Attributes(m.GetCustomAttributes());
                if (m.RelativeVirtualAddress != 0) Body(pe.GetMethodBody(m.RelativeVirtualAddress));
            }
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (CustomAttributeHandle a in attributes) Handle(md.GetCustomAttribute(a).Constructor);
        }

        private void Body(MethodBodyBlock body)
        {
            if (!body.LocalSignature.IsNil)
                md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null);
            BlobReader il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE) code = unchecked((short)(0xFE00 | il.ReadByte()));
                switch (Operands.GetValueOrDefault(code, OperandType.InlineNone))
                {
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                        int token = il.ReadInt32();
                        if ((token >> 24) is not (0x01 or 0x02 or 0x04 or 0x06 or 0x0A or 0x1B or 0x2B))
                            throw new InvalidDataException($"IL opcode 0x{code:X4}: token 0x{token:X8} is not a type or member (the IL walk lost step)");
                        Handle(MetadataTokens.EntityHandle(token));
                        break;
                    case OperandType.InlineSig or OperandType.InlineString or OperandType.InlineBrTarget or OperandType.InlineI or OperandType.ShortInlineR:
                        il.Offset += 4;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineSwitch:
                        int targets = il.ReadInt32(); // read first: "Offset += 4 * ReadInt32()" would add to the old offset
                        il.Offset += 4 * targets;
                        break;
                }
            }
        }

        /// <summary>Any token: a type, a member (its declaring type and signature), a generic instantiation.</summary>
        private void Handle(EntityHandle h)
        {
            if (h.IsNil) return;
            switch (h.Kind)
            {
                case HandleKind.TypeDefinition: GetTypeFromDefinition(md, (TypeDefinitionHandle)h, 0); break;
                case HandleKind.TypeReference: GetTypeFromReference(md, (TypeReferenceHandle)h, 0); break;
                case HandleKind.TypeSpecification: md.GetTypeSpecification((TypeSpecificationHandle)h).DecodeSignature(this, null); break;
                case HandleKind.MethodDefinition:
                {
                    MethodDefinition m = md.GetMethodDefinition((MethodDefinitionHandle)h);
                    GetTypeFromDefinition(md, m.GetDeclaringType(), 0);
                    break;
                }
                case HandleKind.FieldDefinition:
                    GetTypeFromDefinition(md, md.GetFieldDefinition((FieldDefinitionHandle)h).GetDeclaringType(), 0);
                    break;
                case HandleKind.MemberReference:
                {
                    MemberReference r = md.GetMemberReference((MemberReferenceHandle)h);
                    Handle(r.Parent);
                    if (r.GetKind() == MemberReferenceKind.Method) r.DecodeMethodSignature(this, null);
                    else r.DecodeFieldSignature(this, null);
                    break;
                }
                case HandleKind.MethodSpecification:
                {
                    MethodSpecification s = md.GetMethodSpecification((MethodSpecificationHandle)h);
                    Handle(s.Method);
                    s.DecodeSignature(this, null);
                    break;
                }
            }
        }

        private void Add((string Assembly, string Namespace) at, string name)
        {
            if (at.Namespace.Length > 0) Found.TryAdd(at, at.Namespace + "." + name);
        }

        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            Add((self, NamespaceOf(reader, handle)), reader.GetString(reader.GetTypeDefinition(handle).Name));
            return 0;
        }

        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            Add(NamespaceOf(reader, handle, self), reader.GetString(reader.GetTypeReference(handle).Name));
            return 0;
        }

        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetSZArrayType(int elementType) => 0;
        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetPointerType(int elementType) => 0;
        public int GetPinnedType(int elementType) => 0;
        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;
        public int GetGenericMethodParameter(object? genericContext, int index) => 0;
        public int GetGenericTypeParameter(object? genericContext, int index) => 0;
        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }
}
