using System.Runtime.InteropServices;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Quantization;

/// <summary>
/// Rewrites a calibrated float graph into a full-integer int8 graph following TFLite's quantization spec:
/// symmetric int8 weights (per channel: CONV_2D axis 0, DEPTHWISE_CONV_2D axis 3), int32 biases with scale
/// input_scale * weight_scale, asymmetric int8 activations, one shared scale across the inputs and output of
/// CONCATENATION / AVERAGE_POOL_2D / RESIZE_BILINEAR / RESHAPE / SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND, and
/// QUANTIZE / DEQUANTIZE wherever a tensor crosses between float and int8 (graph input/output, operators kept in
/// float, or a requantization when a shared scale cannot be unified).
/// </summary>
internal sealed class Int8Rewriter
{
    private static readonly HashSet<BuiltinOperator> Quantizable =
    [
        BuiltinOperator.Conv2D, BuiltinOperator.DepthwiseConv2D, BuiltinOperator.Add, BuiltinOperator.Mul,
        BuiltinOperator.Concatenation, BuiltinOperator.AveragePool2D, BuiltinOperator.ResizeBilinear,
        BuiltinOperator.Reshape, BuiltinOperator.SpaceToBatchND, BuiltinOperator.BatchToSpaceND, BuiltinOperator.ArgMax,
    ];

    private static readonly HashSet<BuiltinOperator> SameScale =
    [
        BuiltinOperator.AveragePool2D, BuiltinOperator.ResizeBilinear, BuiltinOperator.Reshape,
        BuiltinOperator.SpaceToBatchND, BuiltinOperator.BatchToSpaceND,
    ];

    private readonly WorkGraph _f;
    private readonly TensorStatistics?[] _stats;
    private readonly QuantizationOptions _o;
    private readonly WorkGraph _q = new();
    private readonly Dictionary<(int Tensor, TensorType Type, float Scale, int Zp), int> _converted = [];
    private QParams?[] _params = [];
    private TensorType[] _native = [];

    public Int8Rewriter(WorkGraph floatGraph, TensorStatistics?[] stats, QuantizationOptions options)
    {
        _f = floatGraph;
        _stats = stats;
        _o = options;
    }

    public List<string> Warnings { get; } = [];

    /// <summary>Per float-graph tensor: its index in the quantized work graph and the parameters it got (null: stayed float).</summary>
    public QParams?[] TensorParams => _params;

    public WorkGraph Rewrite()
    {
        int n = _f.Tensors.Count;
        bool[] quantOp = DecideOps();
        _params = AssignParams(quantOp);

        // Tensors keep their indices; constants used by quantized operators get new quantized copies.
        _native = new TensorType[n];
        int[] producers = _f.Producers();
        foreach (WorkTensor t in _f.Tensors)
            _q.Tensors.Add(new WorkTensor(t.Name, t.Type, (int[])t.Shape.Clone(), t.Quantization, t.Data));
        _q.Description = string.IsNullOrEmpty(_f.Description) ? "EdgeRuntime PTQ int8" : _f.Description + " / EdgeRuntime PTQ int8";
        for (int t = 0; t < n; t++)
        {
            _native[t] = _f.Tensors[t].Type;
            if (_params[t] is { } p && producers[t] >= 0 && quantOp[producers[t]])
            {
                _native[t] = TensorType.Int8;
                _q.Tensors[t].Type = TensorType.Int8;
                _q.Tensors[t].Quantization = p.ToInfo();
            }
        }
        SetUpInputs();

        for (int i = 0; i < _f.Ops.Count; i++)
        {
            if (quantOp[i]) EmitQuantized(_f.Ops[i]);
            else EmitFloat(_f.Ops[i]);
        }

        var outputs = new int[_f.Outputs.Length];
        for (int k = 0; k < outputs.Length; k++)
        {
            int t = _f.Outputs[k];
            if (_native[t] == TensorType.Int8 && _o.OutputType == IoType.Float)
            {
                int d = Convert(t, TensorType.Float32, default);
                (_q.Tensors[t].Name, _q.Tensors[d].Name) = (_q.Tensors[t].Name + "_int8", _f.Tensors[t].Name);
                outputs[k] = d;
            }
            else if (_native[t] == TensorType.Float32 && _o.OutputType != IoType.Float && _params[t] is { } p)
                outputs[k] = Convert(t, TensorType.Int8, p);
            else outputs[k] = t;
        }
        _q.Inputs = (int[])_f.Inputs.Clone();
        _q.Outputs = outputs;
        return _q;
    }

    private bool[] DecideOps()
    {
        var quant = new bool[_f.Ops.Count];
        for (int i = 0; i < quant.Length; i++)
        {
            WorkOp op = _f.Ops[i];
            bool floatIo = op.Inputs.Where(t => t >= 0 && !_f.Tensors[t].IsConstant).All(t => _f.Tensors[t].Type == TensorType.Float32)
                && (op.Op == BuiltinOperator.ArgMax || op.Outputs.All(t => _f.Tensors[t].Type == TensorType.Float32));
            bool calibrated = op.Inputs.Concat(op.Outputs).Where(t => t >= 0 && !_f.Tensors[t].IsConstant && _f.Tensors[t].Type == TensorType.Float32)
                .All(t => _stats[t] is { Images: > 0 });
            if (_o.KeepFloat.Contains(op.SourceIndex))
            {
                Warnings.Add($"operator {op.SourceIndex} ({op.Op.ToTfliteName()}) kept in float32 as asked (QUANTIZE/DEQUANTIZE around it)");
                continue;
            }
            if (!Quantizable.Contains(op.Op))
            {
                Warnings.Add($"operator {op.SourceIndex} ({op.Op.ToTfliteName()}) has no int8 kernel here: kept in float32");
                continue;
            }
            if (!floatIo || !calibrated)
            {
                Warnings.Add($"operator {op.SourceIndex} ({op.Op.ToTfliteName()}) has non-float or uncalibrated tensors: kept as is");
                continue;
            }
            if (op.Op is BuiltinOperator.Conv2D or BuiltinOperator.DepthwiseConv2D && !_f.Tensors[op.Inputs[1]].IsConstant)
            {
                Warnings.Add($"operator {op.SourceIndex} ({op.Op.ToTfliteName()}) has non-constant weights: kept in float32");
                continue;
            }
            quant[i] = true;
        }
        return quant;
    }

    /// <summary>Ranges -> parameters, with same-scale groups sharing the union of their members' ranges.</summary>
    private QParams?[] AssignParams(bool[] quantOp)
    {
        int n = _f.Tensors.Count;
        var groups = new SameScaleGroups(n);
        int[] uses = _f.UseCounts();
        for (int i = 0; i < _f.Ops.Count; i++)
        {
            if (!quantOp[i]) continue;
            WorkOp op = _f.Ops[i];
            if (SameScale.Contains(op.Op)) groups.Union(op.Inputs[0], op.Outputs[0]);
            else if (op.Op == BuiltinOperator.Concatenation)
                foreach (int t in op.Inputs)
                    if (uses[t] == 1 && !_f.Inputs.Contains(t)) groups.Union(t, op.Outputs[0]); // else a requantizing QUANTIZE
        }

        // Which tensors take part in int8 at all: inputs/outputs of quantized operators.
        var involved = new bool[n];
        var activation = new FusedActivation[n];
        for (int i = 0; i < _f.Ops.Count; i++)
        {
            if (!quantOp[i]) continue;
            WorkOp op = _f.Ops[i];
            foreach (int t in op.Inputs.Concat(op.Outputs))
                if (t >= 0 && !_f.Tensors[t].IsConstant && _f.Tensors[t].Type == TensorType.Float32) involved[t] = true;
            activation[op.Outputs[0]] = op.Options switch
            {
                Conv2DOptions c => c.Activation,
                DepthwiseConv2DOptions d => d.Activation,
                ElementwiseOptions e => e.Activation,
                Pool2DOptions p => p.Activation,
                _ => FusedActivation.None,
            };
        }
        var lo = new Dictionary<int, float>();
        var hi = new Dictionary<int, float>();
        for (int t = 0; t < n; t++)
        {
            if (!involved[t] || _stats[t] is not { Images: > 0 } s) continue;
            var (a, b) = RangeSelection.Select(s, _o.Calibration, _o.Percentile);
            (a, b) = QParams.ClipToActivation(a, b, activation[t]);
            int r = groups.Find(t);
            lo[r] = lo.TryGetValue(r, out float x) ? Math.Min(x, a) : a;
            hi[r] = hi.TryGetValue(r, out float y) ? Math.Max(y, b) : b;
        }
        // A quantized graph input has fixed parameters: pixels map straight onto the integer codes.
        var fixedParams = new Dictionary<int, QParams>();
        if (_o.InputType != IoType.Float)
            foreach (int t in _f.Inputs)
                fixedParams[groups.Find(t)] = InputParams(TensorType.Int8);

        var result = new QParams?[n];
        for (int t = 0; t < n; t++)
        {
            if (!involved[t]) continue;
            int r = groups.Find(t);
            if (fixedParams.TryGetValue(r, out QParams fp)) result[t] = fp;
            else if (lo.TryGetValue(r, out float a)) result[t] = QParams.Asymmetric(a, hi[r]);
        }
        return result;
    }

    /// <summary>Input parameters for int8/uint8 inputs: scale = range / 255, pixel 0 -> code qmin.</summary>
    private QParams InputParams(TensorType type)
    {
        float scale = (_o.InputRangeMax - _o.InputRangeMin) / 255f;
        double span = (double)_o.InputRangeMax - _o.InputRangeMin;
        int zpU8 = Math.Clamp((int)Math.Round(-_o.InputRangeMin * 255.0 / span, MidpointRounding.AwayFromZero), 0, 255);
        return new QParams(scale, type == TensorType.UInt8 ? zpU8 : zpU8 - 128);
    }

    private void SetUpInputs()
    {
        if (_o.InputType == IoType.Float) return;
        foreach (int t in _f.Inputs)
        {
            if (_f.Tensors[t].Type != TensorType.Float32) continue;
            TensorType type = _o.InputType == IoType.UInt8 ? TensorType.UInt8 : TensorType.Int8;
            QParams p = InputParams(type);
            _native[t] = type;
            _q.Tensors[t].Type = type;
            _q.Tensors[t].Quantization = p.ToInfo();
            _params[t] = InputParams(TensorType.Int8); // what int8 consumers see
        }
    }

    /// <summary>
    /// The tensor holding <paramref name="t"/> as <paramref name="type"/> (with parameters <paramref name="p"/> for int8):
    /// t itself when it already is, else a QUANTIZE / DEQUANTIZE output created once and shared.
    /// </summary>
    private int Convert(int t, TensorType type, QParams p)
    {
        TensorType from = _native[t];
        if (type == TensorType.Float32 && from == TensorType.Float32) return t;
        if (type == TensorType.Int8 && from == TensorType.Int8 && _q.Tensors[t].Quantization is { } q && q.Scale == p.Scale && q.ZeroPoint == p.ZeroPoint) return t;
        var key = (t, type, type == TensorType.Float32 ? 0f : p.Scale, type == TensorType.Float32 ? 0 : p.ZeroPoint);
        if (_converted.TryGetValue(key, out int existing)) return existing;
        WorkTensor src = _q.Tensors[t];
        int d;
        if (type == TensorType.Float32)
        {
            d = _q.AddTensor(new WorkTensor(src.Name + "_dequantized", TensorType.Float32, (int[])src.Shape.Clone(), null, null));
            _q.Ops.Add(new WorkOp(BuiltinOperator.Dequantize, from == TensorType.UInt8 ? 1 : 2, [t], [d], null));
        }
        else
        {
            string suffix = from == TensorType.Int8 ? "_requantized" : "_int8";
            d = _q.AddTensor(new WorkTensor(src.Name + suffix, TensorType.Int8, (int[])src.Shape.Clone(), p.ToInfo(), null));
            _q.Ops.Add(new WorkOp(BuiltinOperator.Quantize, 2, [t], [d], null));
        }
        _converted[key] = d;
        return d;
    }

    private void EmitFloat(WorkOp op)
    {
        int[] inputs = op.Inputs.Select(t => t >= 0 && !_f.Tensors[t].IsConstant && _native[t] is TensorType.Int8 or TensorType.UInt8 && _f.Tensors[t].Type == TensorType.Float32
            ? Convert(t, TensorType.Float32, default) : t).ToArray();
        _q.Ops.Add(new WorkOp(op.Op, op.Version, inputs, (int[])op.Outputs.Clone(), op.Options, op.CustomCode) { SourceIndex = op.SourceIndex });
    }

    private int Int8Input(int t) => Convert(t, TensorType.Int8, _params[t] ?? throw new InvalidOperationException($"tensor {_f.Tensors[t].Name} has no range"));

    private void EmitQuantized(WorkOp op)
    {
        QParams outP = _params[op.Outputs[0]] ?? default;
        switch (op.Op)
        {
            case BuiltinOperator.Conv2D:
            case BuiltinOperator.DepthwiseConv2D:
                EmitConv(op);
                return;
            case BuiltinOperator.Add:
            case BuiltinOperator.Mul:
                {
                    int[] inputs = op.Inputs.Select(t => _f.Tensors[t].IsConstant ? QuantizeOperand(t) : Int8Input(t)).ToArray();
                    Add(op, inputs, 2);
                    return;
                }
            case BuiltinOperator.Concatenation:
                Add(op, op.Inputs.Select(t => Convert(t, TensorType.Int8, outP)).ToArray(), 2);
                return;
            case BuiltinOperator.ArgMax:
                Add(op, [Int8Input(op.Inputs[0]), .. op.Inputs.Skip(1)], 2);
                return;
            case BuiltinOperator.Reshape:
                Add(op, [Convert(op.Inputs[0], TensorType.Int8, outP), .. op.Inputs.Skip(1)], 1);
                return;
            default: // same-scale data movement
                int version = op.Op == BuiltinOperator.ResizeBilinear ? Math.Max(op.Version, 2) : 2;
                Add(op, [Convert(op.Inputs[0], TensorType.Int8, outP), .. op.Inputs.Skip(1)], version);
                return;
        }
    }

    private void Add(WorkOp op, int[] inputs, int version) =>
        _q.Ops.Add(new WorkOp(op.Op, version, inputs, (int[])op.Outputs.Clone(), op.Options) { SourceIndex = op.SourceIndex });

    /// <summary>A constant operand of ADD/MUL as per-tensor asymmetric int8.</summary>
    private int QuantizeOperand(int t)
    {
        WorkTensor c = _f.Tensors[t];
        float[] v = c.FloatValues();
        QParams p = QParams.Asymmetric(v.Length == 0 ? 0 : v.Min(), v.Length == 0 ? 0 : v.Max());
        var q = new byte[v.Length];
        for (int i = 0; i < v.Length; i++) q[i] = (byte)ConstantQuantizer.Round8(v[i], p.Scale, p.ZeroPoint, -128, 127);
        return _q.AddConstant(c.Name + "_int8", TensorType.Int8, (int[])c.Shape.Clone(), q, p.ToInfo());
    }

    private void EmitConv(WorkOp op)
    {
        bool depthwise = op.Op == BuiltinOperator.DepthwiseConv2D;
        int input = Int8Input(op.Inputs[0]);
        float inScale = _q.Tensors[input].Quantization!.Scale;
        WorkTensor filter = _f.Tensors[op.Inputs[1]];
        int axis = depthwise ? 3 : 0;
        int channels = filter.Shape[axis];
        float[] w = filter.FloatValues();
        bool hasBias = op.Inputs.Length > 2 && op.Inputs[2] >= 0;
        float[] b = hasBias ? _f.Tensors[op.Inputs[2]].FloatValues() : new float[channels];

        var (qw, wScales) = ConstantQuantizer.SymmetricWeights(w, filter.Shape, axis, !_o.PerTensorWeights, ConstantQuantizer.MinScalesForBias(b, inScale));
        if (_o.BiasCorrection && _stats[op.Inputs[0]] is { Images: > 0 } inStats)
        {
            float[] wq = ConstantQuantizer.Dequantize(qw, wScales, filter.Shape, axis);
            float[] shift = BiasCorrection.OutputShift(w, wq, filter.Shape, depthwise, inStats);
            for (int c = 0; c < channels; c++) b[c] += shift[c];
            hasBias = true;
        }
        int qFilter = _q.AddConstant(filter.Name, TensorType.Int8, (int[])filter.Shape.Clone(), MemoryMarshal.AsBytes(qw.AsSpan()).ToArray(),
            wScales.Length == 1 ? QuantizationInfo.PerTensor(wScales[0], 0) : new QuantizationInfo(wScales, new long[channels], axis));
        var inputs = new List<int> { input, qFilter };
        if (hasBias)
        {
            var (qb, bScales) = ConstantQuantizer.Bias(b, inScale, wScales);
            string name = op.Inputs.Length > 2 && op.Inputs[2] >= 0 ? _f.Tensors[op.Inputs[2]].Name : filter.Name + "_bias";
            inputs.Add(_q.AddConstant(name, TensorType.Int32, [channels], MemoryMarshal.AsBytes(qb.AsSpan()).ToArray(),
                bScales.Length == 1 ? QuantizationInfo.PerTensor(bScales[0], 0) : new QuantizationInfo(bScales, new long[channels], 0)));
        }
        Add(op, [.. inputs], 3);
    }
}
