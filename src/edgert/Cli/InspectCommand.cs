using System.Globalization;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Cli;

/// <summary>`edgert inspect MODEL`: what the model is and how it will be laid out in memory.</summary>
public static class InspectCommand
{
    public static int Run(string[] args) => Run(new CliArgs(args, new HashSet<string> { "no-tensors" }));

    public static int Run(CliArgs cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        string path = cli.Required(0, "MODEL");
        bool showTensors = !cli.Flag("no-tensors");
        cli.RejectUnknown();

        ModelGraph graph = TfliteModelReader.Load(path);
        var w = Console.Out;
        w.WriteLine($"model       {path} ({new FileInfo(path).Length:N0} bytes)");
        w.WriteLine($"description {graph.Description}");
        foreach (int i in graph.Inputs) w.WriteLine($"input       {Describe(graph.Tensors[i])}");
        foreach (int o in graph.Outputs) w.WriteLine($"output      {Describe(graph.Tensors[o])}");

        w.WriteLine();
        w.WriteLine($"operators ({graph.Operators.Length})");
        foreach (var group in graph.Operators.GroupBy(n => $"{n.DisplayName} v{n.Version}").OrderByDescending(g => g.Count()))
            w.WriteLine($"  {group.Count(),4} x {group.Key}");

        Interpreter interpreter = Interpreter.Create(graph);
        var layout = interpreter.Layout;
        w.WriteLine();
        w.WriteLine($"{"#",4}  {"operator",-24} {"kernel",-21} {"output",-28} {"offset",12} {"bytes",12}");
        foreach (var op in interpreter.Operators)
        {
            int t = op.Node.Outputs[0];
            var tensor = graph.Tensors[t];
            w.WriteLine($"{op.Node.Index,4}  {op.Node.DisplayName,-24} {op.KernelName,-21} {Shape(tensor),-28} {layout.TensorOffsets[t],12:N0} {tensor.ByteSize,12:N0}");
        }
        // Fused operators (Runtime/OperatorFusion.cs) never store the tensors between the nodes they replace.
        foreach (var op in interpreter.Operators.Where(o => o.Node.IsFused))
            foreach (var inner in op.Node.FusedNodes.SkipLast(1))
                w.WriteLine($"      fused: node {inner.Index} {inner.DisplayName} output {Describe(graph.Tensors[inner.Outputs[0]])}, {graph.Tensors[inner.Outputs[0]].ByteSize:N0} bytes, not stored (EDGERT_FUSION=0 keeps it)");

        if (showTensors)
        {
            w.WriteLine();
            w.WriteLine($"tensors ({graph.Tensors.Length})");
            foreach (var tensor in graph.Tensors)
                w.WriteLine($"  {tensor.Index,4} {(tensor.IsConstant ? "const" : "act  ")} {Describe(tensor)}");
        }

        long constBytes = graph.Tensors.Where(t => t.IsConstant).Sum(t => (long)t.ConstantData.Length);
        w.WriteLine();
        w.WriteLine($"weights (constants)        {constBytes,14:N0} bytes");
        w.WriteLine($"packed weights             {interpreter.PackedWeightBytes,14:N0} bytes");
        w.WriteLine($"arena                      {layout.ArenaBytes,14:N0} bytes");
        w.WriteLine($"naive sum of activations   {layout.NaiveBytes,14:N0} bytes");
        w.WriteLine($"live-set lower bound       {layout.LowerBoundBytes,14:N0} bytes");
        w.WriteLine($"arena / lower bound        {layout.RatioToLowerBound.ToString("F3", CultureInfo.InvariantCulture),14}");
        return 0;
    }

    private static string Shape(TensorInfo t) => $"{t.Type}[{string.Join(',', t.Shape)}]";

    private static string Describe(TensorInfo t)
    {
        string q = t.Quantization is null ? "" : $" ({t.Quantization})";
        return $"{t.Name} {Shape(t)}{q}";
    }
}
