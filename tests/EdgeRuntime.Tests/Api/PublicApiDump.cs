using System.Reflection;
using System.Text;

// Reflection over a whole assembly: this runs in the test host on the JIT, never trimmed or AOT-compiled.
#pragma warning disable IL2026, IL2070, IL2075

namespace EdgeRuntime.Tests.Api;

/// <summary>
/// The public surface of an assembly as sorted text, one type or member a line: what a user of the package can call.
/// Nullability of reference types is part of a signature (it changes what callers must handle), so it is written.
/// </summary>
public static class PublicApiDump
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static string Of(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(TypeLine(type)).Append('\n');
            foreach (string member in Members(type).Order(StringComparer.Ordinal)) text.Append("  ").Append(member).Append('\n');
        }
        return text.ToString();
    }

    private static string TypeLine(Type type)
    {
        string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct"
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate" : "class";
        string modifiers = kind == "class" && type.IsAbstract && type.IsSealed ? "static "
            : kind == "class" && type.IsSealed ? "sealed " : kind == "class" && type.IsAbstract ? "abstract " : "";
        var bases = new List<string>();
        if (type.IsEnum) bases.Add(Name(Enum.GetUnderlyingType(type)));
        else if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType)) bases.Add(Name(b));
        if (!type.IsEnum) bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        return $"public {modifiers}{kind} {Name(type)}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}";
    }

    private static IEnumerable<string> Members(Type type)
    {
        var nullability = new NullabilityInfoContext();
        if (type.IsEnum)
        {
            foreach (FieldInfo f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                yield return $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
            yield break;
        }
        foreach (MemberInfo m in type.GetMembers(Declared))
        {
            switch (m)
            {
                case ConstructorInfo c when Visible(c):
                    yield return $"{Access(c)}{(c.IsStatic ? "static " : "")}.ctor({Parameters(c, nullability)})";
                    break;
                case MethodInfo method when Visible(method) && !method.IsSpecialName:
                    string generic = method.IsGenericMethod ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";
                    yield return $"{Access(method)}{(method.IsStatic ? "static " : "")}{(method.IsAbstract && !type.IsInterface ? "abstract " : method.IsVirtual && !method.IsFinal && !type.IsInterface ? "virtual " : "")}" +
                        $"{Name(method.ReturnParameter, nullability)} {method.Name}{generic}({Parameters(method, nullability)})";
                    break;
                case PropertyInfo p when Visible(p.GetMethod) || Visible(p.SetMethod):
                    string accessors = (Visible(p.GetMethod) ? "get; " : "") +
                        (Visible(p.SetMethod) ? p.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? "init; " : "set; " : "");
                    string indexer = p.GetIndexParameters() is { Length: > 0 } ix ? $"this[{string.Join(", ", ix.Select(i => $"{Name(i, nullability)} {i.Name}"))}]" : p.Name;
                    yield return $"{((p.GetMethod ?? p.SetMethod)!.IsStatic ? "static " : "")}{Name(nullability.Create(p), p.PropertyType)} {indexer} {{ {accessors}}}";
                    break;
                case FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly:
                    string constant = f.IsLiteral ? $" = {Convert.ToString(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}" : "";
                    yield return $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{Name(nullability.Create(f), f.FieldType)} {f.Name}{constant}";
                    break;
                case EventInfo e when Visible(e.AddMethod):
                    yield return $"event {Name(e.EventHandlerType!)} {e.Name}";
                    break;
                case Type nested when nested.IsNestedPublic:
                    break; // listed on its own line by GetExportedTypes
            }
        }
    }

    private static bool Visible(MethodBase? m) => m is not null && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly);

    private static string Access(MethodBase m) => m.IsPublic ? "" : "protected ";

    private static string Parameters(MethodBase m, NullabilityInfoContext nullability) => string.Join(", ", m.GetParameters().Select(p =>
        $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? p.IsIn ? "in " : "ref " : "")}{Name(p, nullability)} {p.Name}{(p.HasDefaultValue ? $" = {Default(p.DefaultValue)}" : "")}"));

    private static string Default(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };

    private static string Name(ParameterInfo p, NullabilityInfoContext nullability)
    {
        Type type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
        return Name(nullability.Create(p), type);
    }

    private static string Name(NullabilityInfo info, Type type) =>
        Name(type) + (!type.IsValueType && info.ReadState == NullabilityState.Nullable ? "?" : "");

    private static string Name(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Name(underlying) + "?";
        if (type.IsArray) return Name(type.GetElementType()!) + "[]";
        if (type.IsGenericParameter) return type.Name;
        string name = type.IsNested ? $"{Name(type.DeclaringType!)}.{type.Name}" : $"{type.Namespace}.{type.Name}";
        if (!type.IsGenericType) return name;
        return $"{name[..name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }
}
