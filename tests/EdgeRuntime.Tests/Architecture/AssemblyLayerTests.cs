namespace EdgeRuntime.Tests.Architecture;

/// <summary>
/// The namespace layers of every built EdgeRuntime assembly, checked on metadata (<see cref="MetadataDependencies"/>):
/// each layer uses only the layers listed for it, every listed layer sits above it in <see cref="Layers"/>, so the
/// namespaces form no cycle (docs/architecture.md). The source-text check of the library (NamespaceLayerTests) stays
/// as a second opinion.
/// </summary>
public sealed class AssemblyLayerTests
{
    /// <summary>The assemblies beside the test binary that are checked (a missing one fails the test).</summary>
    private static readonly string[] Assemblies =
    [
        "EdgeRuntime", "EdgeRuntime.Camera", "EdgeRuntime.Telemetry", "EdgeRuntime.Automation", "EdgeRuntime.Daemon",
        "EdgeRuntime.Tools", "EdgeRuntime.Onnx", "edgert-tools",
    ];

    /// <summary>The interpreter library's layers (EdgeRuntime.dll), the rows NamespaceLayerTests checks in the sources.</summary>
    internal static readonly string[] Library =
        ["Graph", "Tflite", "Planning", "Kernels", "Runtime", "Ops", "Conformance", "Imaging", "Preprocessing", "Bench", "Segmentation", "Api"];

    /// <summary>EdgeRuntime.Automation's layers below its wiring (the root's contracts and the parts).</summary>
    private static readonly string[] AutomationParts =
        ["Automation", "Automation.Zones", "Automation.Privacy", "Automation.Thermal", "Automation.Gpio", "Automation.Events", "Automation.HomeAssistant"];

    /// <summary>Every Automation layer: what the layers above the project may use.</summary>
    private static readonly string[] Automation = [.. AutomationParts, "Automation.Wiring"];

    /// <summary>Layer -> the layers it may use; each row uses only rows above it. Library layers are EdgeRuntime.dll's.</summary>
    internal static readonly (string Layer, string[] Uses)[] Layers =
    [
        ("Graph", []),
        ("Tflite", ["Graph"]),
        ("Planning", ["Graph"]),
        ("Kernels", ["Graph"]),
        ("Runtime", ["Graph", "Planning", "Kernels"]),
        ("Ops", ["Graph", "Planning", "Kernels", "Runtime"]),
        ("Conformance", ["Graph", "Kernels", "Runtime"]),
        ("Imaging", []),
        ("Preprocessing", ["Imaging", "Kernels"]), // Kernels: the dispatcher picks the resize's vector width
        ("Bench", []),
        ("Segmentation", ["Graph", "Tflite", "Kernels", "Runtime", "Imaging", "Preprocessing"]),
        // The public facade (Api/) lives in the root namespace EdgeRuntime; it may use every layer.
        ("Api", ["Graph", "Tflite", "Planning", "Kernels", "Runtime", "Ops", "Imaging", "Preprocessing", "Segmentation"]),
        // Upper projects: they build on the library.
        ("Camera.Imaging", [.. Library]),
        ("Camera.Sources", [.. Library, "Camera.Imaging"]),
        ("Telemetry", [.. Library]),
        // Automation, one layer per namespace: the root holds the contracts and options (ZoneTransition,
        // IZoneTransitionSink, IInferenceGate, AutomationOptions) the parts use; Wiring (ZoneAutomation) sits above the parts.
        ("Automation", [.. Library, "Telemetry"]),
        ("Automation.Zones", [.. Library, "Automation"]),
        ("Automation.Privacy", [.. Library, "Automation"]),
        ("Automation.Thermal", [.. Library, "Telemetry", "Automation"]),
        ("Automation.Gpio", [.. Library, "Telemetry", "Automation"]),
        ("Automation.Events", [.. Library, "Telemetry", "Automation", "Automation.Zones"]),
        ("Automation.HomeAssistant", [.. Library, "Telemetry", "Automation", "Automation.Zones", "Automation.Events"]),
        ("Automation.Wiring", [.. Library, "Camera.Imaging", "Telemetry", .. AutomationParts]),
        // The daemon's services; OTA and the web console are built on them, Hosting (DaemonHost) wires them all.
        ("Daemon", [.. Library, "Camera.Imaging", "Camera.Sources", "Telemetry", .. Automation]),
        ("Ota", [.. Library, "Camera.Imaging", "Camera.Sources", "Telemetry", .. Automation, "Daemon"]),
        ("WebConsole", [.. Library, "Camera.Imaging", "Camera.Sources", "Telemetry", .. Automation, "Daemon", "Ota"]),
        ("Hosting", [.. Library, "Camera.Imaging", "Camera.Sources", "Telemetry", .. Automation, "Daemon", "Ota", "WebConsole"]),
        // Offline tools (EdgeRuntime.Tools, EdgeRuntime.Onnx): never referenced by the daemon.
        ("Onnx", [.. Library]),
        ("Quantization", [.. Library, "Camera.Imaging"]),
        ("Tools.Segmentation", [.. Library, "Camera.Imaging", "Quantization"]),
        ("Compare", [.. Library, "Camera.Imaging", "Quantization", "Tools.Segmentation", "Onnx"]),
        ("Fuzzing", [.. Library, "Quantization"]),
        // The programs (edgert-tools compiles edgert's sources too): the top.
        ("edgert-tools.Bench", [.. Library, "Camera.Imaging", "Camera.Sources", "Onnx"]),
        ("Cli", [.. Library, "Camera.Imaging", "Camera.Sources", "Telemetry", .. Automation, "Daemon", "Ota", "Hosting",
            "Onnx", "Quantization", "Tools.Segmentation", "Compare", "Fuzzing", "edgert-tools.Bench"]),
        ("edgert-tools.Program", ["Cli", "Api", "Runtime", "Ops"]),
    ];

    /// <summary>
    /// The layer of a namespace in an assembly: the library's second name part (Kernels.* is one layer, the root is
    /// Api); elsewhere the first part (two for Camera.* and Automation.*, whose root is the layer Automation),
    /// prefixed with the assembly when an upper assembly reuses a library name (EdgeRuntime.Tools' Segmentation). Null: not ours.
    /// </summary>
    internal static string? LayerOf(string assembly, string ns)
    {
        if (ns != "EdgeRuntime" && !ns.StartsWith("EdgeRuntime.", StringComparison.Ordinal)) return null;
        if (ns.StartsWith("EdgeRuntime.Tests", StringComparison.Ordinal)) return null;
        string[] parts = ns == "EdgeRuntime" ? [] : ns["EdgeRuntime.".Length..].Split('.');
        if (assembly == "EdgeRuntime") return parts.Length == 0 ? "Api" : parts[0];
        string key = parts.Length == 0 ? "Program" : parts.Length > 1 && parts[0] is "Camera" or "Automation" ? parts[0] + "." + parts[1] : parts[0];
        string owner = assembly.StartsWith("EdgeRuntime.", StringComparison.Ordinal) ? assembly["EdgeRuntime.".Length..] : assembly;
        return key is "Program" || Library.Contains(key) ? $"{owner}.{key}" : key;
    }

    [Fact]
    public void TheLayerTableHasNoCycle() => Assert.Empty(TableErrors(Layers));

    [Fact]
    public void ACyclicTableIsRefused()
    {
        (string, string[])[] cyclic = [("Daemon", ["Ota"]), ("Ota", ["Daemon"])];
        Assert.Contains(TableErrors(cyclic), e => e.Contains("Daemon uses Ota", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryAssemblyUsesOnlyTheLayersAboveItsNamespaces()
    {
        var allowed = Layers.ToDictionary(l => l.Layer, l => l.Uses);
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        var edges = new Dictionary<(string, string), string>();
        foreach (string name in Assemblies)
        {
            string path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            Assert.True(File.Exists(path), $"{path} is not beside the test assembly");
            foreach (var (edge, example) in MetadataDependencies.Read(path, LayerOf))
            {
                edges.TryAdd(edge, $"{name}: {example}");
                if (!allowed.TryGetValue(edge.From, out string[]? uses)) violations.Add($"{name}: layer {edge.From} is not in the table ({example})");
                else if (!uses.Contains(edge.To)) violations.Add($"{name}: {edge.From} -> {edge.To} ({example})");
            }
        }
        Assert.True(edges.Count > 50, $"only {edges.Count} dependencies read: the reader is broken");
        Assert.True(violations.Count == 0, "namespace dependencies against docs/architecture.md:\n" + string.Join('\n', violations));
        Assert.Empty(Cycles(edges.Keys));
    }

    /// <summary>The reader sees a dependency that exists only in a method body and one only in a field's type.</summary>
    [Fact]
    public void TheReaderFindsACycleBetweenTwoNamespacesOfTheTestAssembly()
    {
        string self = Path.Combine(AppContext.BaseDirectory, "EdgeRuntime.Tests.dll");
        static string? Fixture(string assembly, string ns) =>
            ns.StartsWith("EdgeRuntime.Tests.Architecture.LayerFixture.", StringComparison.Ordinal) ? ns[(ns.LastIndexOf('.') + 1)..] : null;
        var edges = MetadataDependencies.Read(self, Fixture);
        Assert.Contains(("Alpha", "Beta"), edges.Keys);
        Assert.Contains(("Beta", "Alpha"), edges.Keys);
        Assert.Contains(Cycles(edges.Keys), c => c.Contains("Alpha", StringComparison.Ordinal) && c.Contains("Beta", StringComparison.Ordinal));
    }

    /// <summary>Each row may use only rows above it (which also makes the table acyclic).</summary>
    internal static List<string> TableErrors(IEnumerable<(string Layer, string[] Uses)> table)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var (layer, uses) in table)
        {
            foreach (string u in uses)
                if (!seen.Contains(u)) errors.Add($"{layer} uses {u}, which is not a layer above it");
            if (!seen.Add(layer)) errors.Add($"{layer} is listed twice");
        }
        return errors;
    }

    /// <summary>The cycles of a dependency graph (depth-first search; each reported as "A -> B -> A").</summary>
    internal static List<string> Cycles(IEnumerable<(string From, string To)> edges)
    {
        var next = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).OrderBy(x => x, StringComparer.Ordinal).ToList());
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the stack, 2 done
        var stack = new List<string>();
        var cycles = new List<string>();
        void Visit(string n)
        {
            state[n] = 1;
            stack.Add(n);
            foreach (string m in next.GetValueOrDefault(n) ?? [])
            {
                if (state.GetValueOrDefault(m) == 1) cycles.Add(string.Join(" -> ", stack[stack.IndexOf(m)..].Append(m)));
                else if (state.GetValueOrDefault(m) == 0) Visit(m);
            }
            stack.RemoveAt(stack.Count - 1);
            state[n] = 2;
        }
        foreach (string n in next.Keys.OrderBy(x => x, StringComparer.Ordinal))
            if (state.GetValueOrDefault(n) == 0) Visit(n);
        return cycles;
    }
}
