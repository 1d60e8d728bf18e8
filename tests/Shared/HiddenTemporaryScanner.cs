using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace FairKd.Tests.Shared;

/// <summary>
/// Reads compiled IL (System.Reflection.Metadata) to find where code hands LibTorch a temporary TorchSharp.Scalar that
/// nothing owns (TorchSharp 0.107 frees such a temporary in its finalizer, possibly while LibTorch still reads it; see
/// src/FairKd.Torch/Interop/README.md).
/// <para>
/// First TorchSharp.dll itself is read: a TorchSharp method is <em>tainted</em> when its body converts a number to a Scalar
/// (<c>Scalar.op_Implicit</c> or <c>ToScalar</c>) without disposing a Scalar and without returning one, or calls a tainted
/// TorchSharp method (closure over direct calls). A TorchSharp type is tainted when its own or an inherited
/// <c>forward</c>/<c>step</c> is (e.g. <c>BatchNorm2d</c>, whose forward runs <c>num_batches_tracked.add_(1)</c>; <c>SGD</c>).
/// Then every method of the scanned assemblies is read, and a finding is any call to <c>Scalar.op_Implicit</c>, any call
/// to a tainted TorchSharp method, and any construction (constructor or factory's return type) of a tainted type.
/// </para>
/// </summary>
internal sealed class HiddenTemporaryScanner
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly HashSet<string> tainted = [];
    private readonly HashSet<string> taintedTypes = [];
    private readonly Dictionary<string, string> taintReason = [];

    /// <summary>One call of a scanned method that hands LibTorch an unowned temporary.</summary>
    public sealed record Finding(string Assembly, string Method, string Callee, string Reason, string? Source)
    {
        public override string ToString() => $"{Source ?? Assembly}: {Method} calls {Callee} ({Reason})";
    }

    /// <summary>Reads TorchSharp.dll at <paramref name="torchSharpPath"/> and computes its tainted methods and types.</summary>
    public HiddenTemporaryScanner(string torchSharpPath)
    {
        using var pe = new PEReader(File.OpenRead(torchSharpPath));
        var md = pe.GetMetadataReader();
        var calls = new Dictionary<string, List<string>>();
        var baseOf = new Dictionary<string, string>();
        var typeMethods = new Dictionary<string, List<string>>();
        foreach (var th in md.TypeDefinitions)
        {
            var td = md.GetTypeDefinition(th);
            var typeName = Names.TypeDef(md, th);
            if (!td.BaseType.IsNil) baseOf[typeName] = Names.TypeOf(md, td.BaseType);
            foreach (var mh in td.GetMethods())
            {
                var key = Names.MethodDef(md, mh);
                var def = md.GetMethodDefinition(mh);
                typeMethods.TryAdd(typeName, []);
                typeMethods[typeName].Add(key);
                if (def.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(def.RelativeVirtualAddress);
                var callees = Calls(md, body).Select(c => c.Key).ToList();
                calls[key] = callees;
                var returnsScalar = key.Contains(")TorchSharp.Scalar", StringComparison.Ordinal);
                var makes = callees.Any(IsScalarFactory);
                var disposes = callees.Any(c => c.StartsWith("TorchSharp.Scalar::Dispose(", StringComparison.Ordinal));
                if (makes && !disposes && !returnsScalar && !IsScalarFactory(key))
                {
                    tainted.Add(key);
                    taintReason[key] = "makes a Scalar it never disposes";
                }
            }
        }

        // closure over direct calls: a method that calls a tainted method is tainted
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (m, cs) in calls)
            {
                if (tainted.Contains(m)) continue;
                var hit = cs.FirstOrDefault(tainted.Contains);
                if (hit is null) continue;
                tainted.Add(m);
                taintReason[m] = "calls " + hit;
                changed = true;
            }
        }

        foreach (var type in typeMethods.Keys)
        {
            for (var t = type; t is not null; t = baseOf.GetValueOrDefault(t))
            {
                var bad = typeMethods.GetValueOrDefault(t)?.FirstOrDefault(m => tainted.Contains(m) && IsEntryPoint(m));
                if (bad is null) continue;
                taintedTypes.Add(type);
                taintReason[type] = bad + " " + taintReason[bad];
                break;
            }
        }
    }

    /// <summary>Tainted TorchSharp methods (for diagnostics and tests of the scanner).</summary>
    public IReadOnlySet<string> TaintedMethods => tainted;

    /// <summary>Tainted TorchSharp types.</summary>
    public IReadOnlySet<string> TaintedTypes => taintedTypes;

    /// <summary>Why a TorchSharp method or type is tainted.</summary>
    public string Why(string key) => taintReason.GetValueOrDefault(key) ?? "?";

    /// <summary>Every finding in the assembly at <paramref name="assemblyPath"/> (its portable PDB beside it gives file:line).</summary>
    public IReadOnlyList<Finding> Scan(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var md = pe.GetMetadataReader();
        var pdbPath = Path.ChangeExtension(assemblyPath, ".pdb");
        using var pdbProvider = File.Exists(pdbPath) ? MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdbPath)) : null;
        var pdb = pdbProvider?.GetMetadataReader();
        var name = Path.GetFileName(assemblyPath);
        var findings = new List<Finding>();
        foreach (var th in md.TypeDefinitions)
        {
            foreach (var mh in md.GetTypeDefinition(th).GetMethods())
            {
                var def = md.GetMethodDefinition(mh);
                if (def.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(def.RelativeVirtualAddress);
                var method = Names.MethodDef(md, mh);
                foreach (var (callee, offset, returnType) in Calls(md, body))
                {
                    string? reason = null;
                    if (callee.StartsWith("TorchSharp.Scalar::op_Implicit(", StringComparison.Ordinal))
                        reason = "implicit conversion to a temporary Scalar";
                    else if (tainted.Contains(callee))
                        reason = "TorchSharp " + taintReason[callee];
                    else if (returnType is not null && taintedTypes.Contains(returnType))
                        reason = $"builds {returnType}, whose {taintReason[returnType]}";
                    if (reason is null) continue;
                    findings.Add(new Finding(name, method, callee, reason, pdb is null ? null : SourceOf(pdb, mh, offset)));
                }
            }
        }

        return findings;
    }

    private static bool IsScalarFactory(string key) =>
        key.StartsWith("TorchSharp.Scalar::op_Implicit(", StringComparison.Ordinal) ||
        key.StartsWith("TorchSharp.ScalarExtensionMethods::ToScalar(", StringComparison.Ordinal);

    private static bool IsEntryPoint(string key) =>
        key.Contains("::forward(", StringComparison.Ordinal) || key.Contains("::step(", StringComparison.Ordinal);

    private static string? SourceOf(MetadataReader pdb, MethodDefinitionHandle mh, int offset)
    {
        var info = pdb.GetMethodDebugInformation(mh);
        SequencePoint? best = null;
        foreach (var sp in info.GetSequencePoints())
        {
            if (sp.IsHidden || sp.Offset > offset) continue;
            best = sp;
        }

        if (best is not { } p) return null;
        var doc = pdb.GetString(pdb.GetDocument(p.Document).Name);
        return $"{doc}:{p.StartLine}";
    }

    /// <summary>Every call/callvirt/newobj/ldftn in a body: callee key, IL offset, and the type it yields (return type, or the constructed type).</summary>
    private static IEnumerable<(string Key, int Offset, string? Yields)> Calls(MetadataReader md, MethodBodyBlock body)
    {
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            var offset = il.Offset;
            short value = il.ReadByte();
            if (value == 0xFE) value = (short)(0xFE00 | il.ReadByte());
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar: il.ReadByte(); break;
                case OperandType.InlineVar: il.ReadInt16(); break;
                case OperandType.InlineI8:
                case OperandType.InlineR: il.ReadInt64(); break;
                case OperandType.ShortInlineR: il.ReadSingle(); break;
                case OperandType.InlineSwitch:
                    var n = il.ReadInt32();
                    for (var i = 0; i < n; i++) il.ReadInt32();
                    break;
                case OperandType.InlineMethod:
                    var token = il.ReadInt32();
                    if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj || op == OpCodes.Ldftn || op == OpCodes.Ldvirtftn)
                    {
                        var (key, ret, declaring) = Names.MethodToken(md, MetadataTokens.EntityHandle(token));
                        yield return (key, offset, op == OpCodes.Newobj ? declaring : ret);
                    }

                    break;
                default: il.ReadInt32(); break;
            }
        }
    }

    /// <summary>Renders types and methods the same way whether they are defined in the assembly or referenced from another.</summary>
    private static class Names
    {
        private static readonly SigProvider Provider = new();

        public static string TypeDef(MetadataReader md, TypeDefinitionHandle h)
        {
            var td = md.GetTypeDefinition(h);
            var name = md.GetString(td.Name);
            var declaring = td.GetDeclaringType();
            if (!declaring.IsNil) return TypeDef(md, declaring) + "/" + name;
            var ns = md.GetString(td.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public static string TypeRef(MetadataReader md, TypeReferenceHandle h)
        {
            var tr = md.GetTypeReference(h);
            var name = md.GetString(tr.Name);
            if (tr.ResolutionScope.Kind == HandleKind.TypeReference) return TypeRef(md, (TypeReferenceHandle)tr.ResolutionScope) + "/" + name;
            var ns = md.GetString(tr.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public static string TypeOf(MetadataReader md, EntityHandle h) => h.Kind switch
        {
            HandleKind.TypeDefinition => TypeDef(md, (TypeDefinitionHandle)h),
            HandleKind.TypeReference => TypeRef(md, (TypeReferenceHandle)h),
            HandleKind.TypeSpecification => GenericDefinition(md.GetTypeSpecification((TypeSpecificationHandle)h).DecodeSignature(Provider, null)),
            _ => h.Kind.ToString(),
        };

        // Module`2<TorchSharp.torch/Tensor,...> -> Module`2 (members are matched on the generic definition)
        private static string GenericDefinition(string t)
        {
            var i = t.IndexOf('<', StringComparison.Ordinal);
            return i < 0 ? t : t[..i];
        }

        public static string MethodDef(MetadataReader md, MethodDefinitionHandle h)
        {
            var def = md.GetMethodDefinition(h);
            var sig = def.DecodeSignature(Provider, null);
            return $"{TypeDef(md, def.GetDeclaringType())}::{md.GetString(def.Name)}({string.Join(",", sig.ParameterTypes)}){sig.ReturnType}";
        }

        public static (string Key, string Return, string Declaring) MethodToken(MetadataReader md, EntityHandle h)
        {
            switch (h.Kind)
            {
                case HandleKind.MethodDefinition:
                {
                    var def = md.GetMethodDefinition((MethodDefinitionHandle)h);
                    var sig = def.DecodeSignature(Provider, null);
                    return (MethodDef(md, (MethodDefinitionHandle)h), sig.ReturnType, TypeDef(md, def.GetDeclaringType()));
                }

                case HandleKind.MemberReference:
                {
                    var mr = md.GetMemberReference((MemberReferenceHandle)h);
                    var declaring = mr.Parent.Kind is HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification
                        ? TypeOf(md, (EntityHandle)mr.Parent)
                        : mr.Parent.Kind.ToString();
                    var sig = mr.DecodeMethodSignature(Provider, null);
                    return ($"{declaring}::{md.GetString(mr.Name)}({string.Join(",", sig.ParameterTypes)}){sig.ReturnType}", sig.ReturnType, declaring);
                }

                case HandleKind.MethodSpecification:
                {
                    var ms = md.GetMethodSpecification((MethodSpecificationHandle)h);
                    var (key, ret, declaring) = MethodToken(md, ms.Method);
                    // a generic method's return type with its type arguments substituted is not needed for the rules
                    return (key, ret, declaring);
                }

                default:
                    return (h.Kind.ToString(), "?", "?");
            }
        }

        private sealed class SigProvider : ISignatureTypeProvider<string, object?>
        {
            public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
            public string GetByReferenceType(string elementType) => elementType + "&";
            public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
            public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";
            public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
            public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
            public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
            public string GetPinnedType(string elementType) => elementType;
            public string GetPointerType(string elementType) => elementType + "*";
            public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
            public string GetSZArrayType(string elementType) => elementType + "[]";
            public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => TypeDef(reader, handle);
            public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => TypeRef(reader, handle);
            public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
                reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        }
    }
}
