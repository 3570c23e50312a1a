using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Quantization;

/// <summary>A tensor of a <see cref="WorkGraph"/>: mutable, constants held as owned arrays.</summary>
internal sealed class WorkTensor
{
    public WorkTensor(string name, TensorType type, int[] shape, QuantizationInfo? quantization, byte[]? data)
    {
        Name = name;
        Type = type;
        Shape = shape;
        Quantization = quantization;
        Data = data;
    }

    public string Name { get; set; }
    public TensorType Type { get; set; }
    public int[] Shape { get; }
    public QuantizationInfo? Quantization { get; set; }
    /// <summary>Constant bytes (little-endian), or null for activations.</summary>
    public byte[]? Data { get; set; }
    public bool IsConstant => Data is not null;

    public int ElementCount
    {
        get
        {
            int n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>The constant as float32 (float32 data read, int8/uint8 dequantized per tensor or per channel).</summary>
    public float[] FloatValues() => ConstantValues.ToFloat(this);

    public void SetFloat(ReadOnlySpan<float> values)
    {
        Type = TensorType.Float32;
        Quantization = null;
        Data = MemoryMarshal.AsBytes(values).ToArray();
    }
}

/// <summary>An operator of a <see cref="WorkGraph"/>.</summary>
internal sealed class WorkOp
{
    public WorkOp(BuiltinOperator op, int version, int[] inputs, int[] outputs, OperatorOptions? options, string? customCode = null)
    {
        Op = op;
        Version = version;
        Inputs = inputs;
        Outputs = outputs;
        Options = options;
        CustomCode = customCode;
    }

    public BuiltinOperator Op { get; set; }
    public int Version { get; set; }
    public int[] Inputs { get; set; }
    public int[] Outputs { get; set; }
    public OperatorOptions? Options { get; set; }
    public string? CustomCode { get; }
    /// <summary>Index of the operator in the model the quantizer was given (-1 for operators it added).</summary>
    public int SourceIndex { get; init; } = -1;

    public override string ToString() => $"{Op.ToTfliteName()}#{SourceIndex}";
}

/// <summary>
/// A mutable copy of a one-subgraph model the quantizer rewrites: constants copied out of the file, operators
/// editable, and unused tensors dropped when converted back (<see cref="ToModel"/>) in a deterministic order.
/// </summary>
internal sealed class WorkGraph
{
    public List<WorkTensor> Tensors { get; } = [];
    public List<WorkOp> Ops { get; } = [];
    public int[] Inputs { get; set; } = [];
    public int[] Outputs { get; set; } = [];
    public string Description { get; set; } = "";

    public static WorkGraph From(ModelGraph g)
    {
        var w = new WorkGraph { Description = g.Description, Inputs = (int[])g.Inputs.Clone(), Outputs = (int[])g.Outputs.Clone() };
        foreach (TensorInfo t in g.Tensors)
            w.Tensors.Add(new WorkTensor(t.Name, t.Type, (int[])t.Shape.Clone(), t.Quantization, t.IsConstant ? t.ConstantData.ToArray() : null));
        foreach (OperatorNode n in g.Operators)
            w.Ops.Add(new WorkOp(n.Op, n.Version, (int[])n.Inputs.Clone(), (int[])n.Outputs.Clone(), n.Options, n.CustomCode) { SourceIndex = n.Index });
        return w;
    }

    public int AddTensor(WorkTensor t)
    {
        Tensors.Add(t);
        return Tensors.Count - 1;
    }

    public int AddConstant(string name, TensorType type, int[] shape, byte[] data, QuantizationInfo? q = null) =>
        AddTensor(new WorkTensor(name, type, shape, q, data));

    public int AddFloatConstant(string name, int[] shape, ReadOnlySpan<float> values) =>
        AddConstant(name, TensorType.Float32, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Operator index producing each tensor (-1: graph input or constant).</summary>
    public int[] Producers()
    {
        var p = new int[Tensors.Count];
        Array.Fill(p, -1);
        for (int i = 0; i < Ops.Count; i++)
            foreach (int t in Ops[i].Outputs) p[t] = i;
        return p;
    }

    /// <summary>Number of uses of each tensor as an operator input or a graph output.</summary>
    public int[] UseCounts()
    {
        var c = new int[Tensors.Count];
        foreach (WorkOp op in Ops)
            foreach (int t in op.Inputs)
                if (t >= 0) c[t]++;
        foreach (int t in Outputs) c[t]++;
        return c;
    }

    /// <summary>Operators reading each tensor, in execution order.</summary>
    public List<int>[] Consumers()
    {
        var c = new List<int>[Tensors.Count];
        for (int t = 0; t < c.Length; t++) c[t] = [];
        for (int i = 0; i < Ops.Count; i++)
            foreach (int t in Ops[i].Inputs)
                if (t >= 0 && !c[t].Contains(i)) c[t].Add(i);
        return c;
    }

    /// <summary>
    /// The model as a file-backed <see cref="ModelGraph"/>. Tensors are renumbered in first-use order (graph inputs,
    /// then each operator's inputs and outputs), so unused tensors disappear and the file is deterministic.
    /// <paramref name="remap"/> receives old index -> new index (-1 if dropped).
    /// </summary>
    public ModelGraph ToModel(out int[] remap)
    {
        remap = new int[Tensors.Count];
        Array.Fill(remap, -1);
        var order = new List<int>();
        int[] map = remap;
        void Visit(int t)
        {
            if (t >= 0 && map[t] < 0)
            {
                map[t] = order.Count;
                order.Add(t);
            }
        }
        foreach (int t in Inputs) Visit(t);
        foreach (WorkOp op in Ops)
        {
            foreach (int t in op.Inputs) Visit(t);
            foreach (int t in op.Outputs) Visit(t);
        }
        foreach (int t in Outputs) Visit(t);

        var b = new ModelGraphBuilder { Description = Description };
        foreach (int old in order)
        {
            WorkTensor t = Tensors[old];
            b.AddTensor(t.Name, t.Type, t.Shape, t.Quantization, t.Data is null ? default : t.Data);
        }
        foreach (WorkOp op in Ops)
            b.AddOperator(op.Op, op.Inputs.Select(t => t < 0 ? -1 : map[t]).ToArray(), op.Outputs.Select(t => map[t]).ToArray(), op.Options, op.Version, op.CustomCode);
        b.SetInputs(Inputs.Select(t => map[t]).ToArray()).SetOutputs(Outputs.Select(t => map[t]).ToArray());
        return b.Build();
    }

    public ModelGraph ToModel() => ToModel(out _);
}
