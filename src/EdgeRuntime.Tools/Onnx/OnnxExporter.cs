using System.Buffers.Binary;
using System.Globalization;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Onnx;

/// <summary>
/// Exports a TFLite <see cref="ModelGraph"/> (NHWC, uint8/int8 affine quantization) as an ONNX model in QDQ form.
/// <list type="bullet">
/// <item>Graph inputs and outputs keep TFLite's layout, type and shape (NHWC), so the same input buffer feeds both
/// runtimes; 4-D activations are transposed to NCHW once after the input and back before an output.</item>
/// <item>Every quantized operator becomes DequantizeLinear (per use) -> float op -> QuantizeLinear, the pattern ONNX
/// Runtime fuses into its QLinear*/integer kernels. Weights are re-laid out (OHWI -> OIHW, depthwise 1HW(C*M) ->
/// (C*M)1HW with group = C) with per-channel scales on axis 0; int32 biases dequantize with in_scale * w_scale.</item>
/// <item>Fused RELU/RELU6/RELU_N1_TO_1 on a quantized output is folded into the QuantizeLinear saturation when the
/// output range already clips (TFLite's own rule: zp + round(bound/scale) beyond the type's range), otherwise an integer
/// Clip after the QuantizeLinear reproduces TFLite's integer clamp exactly.</item>
/// <item>SPACE_TO_BATCH_ND -> (depthwise) conv (VALID) -> BATCH_TO_SPACE_ND is folded back into one dilated conv.</item>
/// </list>
/// Output is deterministic: the same graph gives the same bytes.
/// </summary>
internal static class OnnxExporter
{
    public static byte[] Export(ModelGraph graph) => BuildModel(graph).ToBytes();

    public static OnnxModel BuildModel(ModelGraph graph)
    {
        var exporter = new Exporter(graph);
        return exporter.Run();
    }

    /// <summary>TFLite explicit padding for one spatial dimension: (before, after, output size).</summary>
    public static (int Before, int After, int Output) ComputePadding(Padding padding, int input, int filter, int stride, int dilation)
    {
        int effective = (filter - 1) * dilation + 1;
        if (padding == Padding.Valid)
            return (0, 0, (input - effective + stride) / stride);
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + effective - input, 0);
        return (total / 2, total - total / 2, output);
    }

    private sealed class Exporter
    {
        private static readonly int[] ToNchw = [0, 3, 1, 2];
        private static readonly int[] ToNhwc = [0, 2, 3, 1];

        private readonly ModelGraph _g;
        /// <summary>The graph's tensors; DEQUANTIZE outputs of constants become constants (float16 -> float32, int8 -> the quantized constant).</summary>
        private readonly TensorInfo[] _t;
        private readonly OnnxGraph _out = new();
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly Dictionary<int, string> _nchw = [];
        private readonly Dictionary<int, string> _native = [];
        private readonly Dictionary<int, string> _broadcast4 = [];
        private readonly Dictionary<int, (string Scale, string ZeroPoint)> _qparams = [];
        private readonly int[] _uses;
        private readonly bool[] _skip;
        private OperatorNode _node = null!;
        private int _nodeCounter;

        public Exporter(ModelGraph g)
        {
            _g = g;
            _t = (TensorInfo[])g.Tensors.Clone();
            _uses = new int[g.Tensors.Length];
            foreach (OperatorNode op in g.Operators)
                foreach (int i in op.Inputs)
                    if (i >= 0) _uses[i]++;
            foreach (int o in g.Outputs) _uses[o]++;
            _skip = new bool[g.Operators.Length];
            // DEQUANTIZE of a constant (float16 or int8 weights of float/dynamic-range models) is folded into the constant.
            for (int i = 0; i < g.Operators.Length; i++)
            {
                OperatorNode op = g.Operators[i];
                if (op.Op != BuiltinOperator.Dequantize || op.Inputs.Length != 1 || op.Inputs[0] < 0) continue;
                TensorInfo src = _t[op.Inputs[0]], dst = _t[op.Outputs[0]];
                if (!src.IsConstant || dst.Type != TensorType.Float32) continue;
                if (src.Type.IsQuantized8() && src.Quantization is not null)
                {
                    // Dynamic-range models dequantize int8 weights once: the consumer reads the quantized constant
                    // through its own DequantizeLinear instead.
                    _t[dst.Index] = new TensorInfo(dst.Index, dst.Name, src.Type, dst.Shape, src.Quantization, src.ConstantData);
                    _skip[i] = true;
                    continue;
                }
                if (src.Type != TensorType.Float16) continue;
                ReadOnlySpan<byte> half = src.ConstantData.Span;
                float[] values = new float[half.Length / 2];
                for (int k = 0; k < values.Length; k++)
                    values[k] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(half[(k * 2)..]));
                _t[dst.Index] = new TensorInfo(dst.Index, dst.Name, TensorType.Float32, dst.Shape, null, FloatBytes(values));
                _skip[i] = true;
            }
            // Graph input/output names are reserved so no internal value takes them.
            foreach (int t in g.Inputs) Reserve(g.Tensors[t].Name);
            foreach (int t in g.Outputs) Reserve(g.Tensors[t].Name);
        }

        public OnnxModel Run()
        {
            _out.Name = "edgert_export";
            _out.DocString = _g.Description;
            foreach (int t in _g.Inputs)
            {
                TensorInfo ti = _t[t];
                _out.Inputs.Add(new OnnxValueInfo(ti.Name, MapType(ti.Type, ti), Dims(ti.Shape)));
                _native[t] = ti.Name;
            }

            for (int i = 0; i < _g.Operators.Length; i++)
            {
                if (_skip[i]) continue;
                _node = _g.Operators[i];
                ExportNode(i);
            }

            foreach (int t in _g.Outputs)
            {
                TensorInfo ti = _t[t];
                string v = Native(t);
                if (v != ti.Name)
                {
                    if (!RenameProduced(v, ti.Name))
                        Emit("Identity", [v], [ti.Name]);
                    _native[t] = ti.Name;
                }
                _out.Outputs.Add(new OnnxValueInfo(ti.Name, MapType(ti.Type, ti), Dims(ti.Shape)));
            }

            var model = new OnnxModel { Graph = _out, DocString = "exported by edgert export-onnx from a TFLite model" };
            return model;
        }

        // ---------------------------------------------------------------- dispatch

        private void ExportNode(int index)
        {
            switch (_node.Op)
            {
                case BuiltinOperator.Conv2D:
                case BuiltinOperator.DepthwiseConv2D:
                    ExportConv(_node, _node.Inputs[0], _node.Outputs[0], null);
                    break;
                case BuiltinOperator.SpaceToBatchND:
                    if (!TryFoldAtrous(index)) ExportSpaceToBatch();
                    break;
                case BuiltinOperator.BatchToSpaceND: ExportBatchToSpace(); break;
                case BuiltinOperator.Add: ExportBinary("Add"); break;
                case BuiltinOperator.Mul: ExportBinary("Mul"); break;
                case BuiltinOperator.AveragePool2D: ExportAveragePool(); break;
                case BuiltinOperator.ResizeBilinear: ExportResizeBilinear(); break;
                case BuiltinOperator.Concatenation: ExportConcat(); break;
                case BuiltinOperator.ArgMax: ExportArgMax(); break;
                case BuiltinOperator.Quantize: ExportQuantize(); break;
                case BuiltinOperator.Dequantize: ExportDequantize(); break;
                case BuiltinOperator.Reshape: ExportReshape(); break;
                case BuiltinOperator.Tile: ExportTile(); break;
                default:
                    throw Unsupported("no ONNX export for this operator");
            }
        }

        private UnsupportedOperatorException Unsupported(string detail) => new(_node, "ONNX export: " + detail);

        // ---------------------------------------------------------------- conv

        private sealed record AtrousFold(int DilationH, int DilationW, int[] Pads);

        /// <summary>SPACE_TO_BATCH_ND -> conv(VALID, stride 1, dilation 1) -> BATCH_TO_SPACE_ND is a dilated conv.</summary>
        private bool TryFoldAtrous(int stbIndex)
        {
            OperatorNode stb = _g.Operators[stbIndex];
            int stbOut = stb.Outputs[0];
            if (_uses[stbOut] != 1 || stb.Inputs.Length < 3) return false;
            if (!TryConstInts(stb.Inputs[1], out long[] block) || block.Length != 2) return false;
            if (!TryConstInts(stb.Inputs[2], out long[] paddings) || paddings.Length != 4) return false;
            int convIndex = FindConsumer(stbOut, stbIndex + 1);
            if (convIndex < 0) return false;
            OperatorNode conv = _g.Operators[convIndex];
            if (conv.Inputs[0] != stbOut) return false;
            bool validUnit = conv.Options switch
            {
                Conv2DOptions c => c.Padding == Padding.Valid && c.StrideH == 1 && c.StrideW == 1 && c.DilationH == 1 && c.DilationW == 1,
                DepthwiseConv2DOptions d => d.Padding == Padding.Valid && d.StrideH == 1 && d.StrideW == 1 && d.DilationH == 1 && d.DilationW == 1,
                _ => false,
            };
            if (!validUnit) return false;
            int convOut = conv.Outputs[0];
            if (_uses[convOut] != 1) return false;
            int btsIndex = FindConsumer(convOut, convIndex + 1);
            if (btsIndex < 0) return false;
            OperatorNode bts = _g.Operators[btsIndex];
            if (bts.Op != BuiltinOperator.BatchToSpaceND || bts.Inputs[0] != convOut || bts.Inputs.Length < 3) return false;
            if (!TryConstInts(bts.Inputs[1], out long[] block2) || block2.Length != 2 || block2[0] != block[0] || block2[1] != block[1]) return false;
            if (!TryConstInts(bts.Inputs[2], out long[] crops) || crops.Length != 4) return false;
            // paddings/crops are [[top, bottom], [left, right]]; the dilated conv pads with paddings - crops.
            int top = (int)(paddings[0] - crops[0]), bottom = (int)(paddings[1] - crops[1]);
            int left = (int)(paddings[2] - crops[2]), right = (int)(paddings[3] - crops[3]);
            if (top < 0 || bottom < 0 || left < 0 || right < 0) return false;

            _skip[convIndex] = true;
            _skip[btsIndex] = true;
            _node = conv;
            ExportConv(conv, stb.Inputs[0], bts.Outputs[0], new AtrousFold((int)block[0], (int)block[1], [top, left, bottom, right]));
            return true;
        }

        private int FindConsumer(int tensor, int from)
        {
            for (int i = from; i < _g.Operators.Length; i++)
                if (Array.IndexOf(_g.Operators[i].Inputs, tensor) >= 0) return i;
            return -1;
        }

        private void ExportConv(OperatorNode node, int input, int output, AtrousFold? fold)
        {
            bool depthwise = node.Op == BuiltinOperator.DepthwiseConv2D;
            TensorInfo x = _t[input];
            TensorInfo w = _t[node.Inputs[1]];
            TensorInfo y = _t[output];
            if (x.Rank != 4 || w.Rank != 4) throw Unsupported($"conv needs 4-D input and filter, got {x} and {w}");
            if (!w.IsConstant) throw Unsupported("conv filter must be a constant tensor");

            Padding padding; int strideH, strideW, dilH, dilW; FusedActivation act;
            switch (node.Options)
            {
                case Conv2DOptions c: (padding, strideH, strideW, dilH, dilW, act) = (c.Padding, c.StrideH, c.StrideW, c.DilationH, c.DilationW, c.Activation); break;
                case DepthwiseConv2DOptions d: (padding, strideH, strideW, dilH, dilW, act) = (d.Padding, d.StrideH, d.StrideW, d.DilationH, d.DilationW, d.Activation); break;
                default: throw Unsupported("missing conv options");
            }
            dilH = Math.Max(dilH, 1); dilW = Math.Max(dilW, 1);

            int inC = x.Shape[3];
            int kh = w.Shape[1], kw = w.Shape[2];
            int outC = depthwise ? w.Shape[3] : w.Shape[0];
            long[] pads;
            if (fold is null)
            {
                var (pt, pb, oh) = ComputePadding(padding, x.Shape[1], kh, strideH, dilH);
                var (pl, pr, ow) = ComputePadding(padding, x.Shape[2], kw, strideW, dilW);
                if (y.Rank == 4 && (y.Shape[1] != oh || y.Shape[2] != ow))
                    throw Unsupported($"output {y} does not match the computed {oh}x{ow}");
                pads = [pt, pl, pb, pr];
            }
            else
            {
                dilH = fold.DilationH; dilW = fold.DilationW;
                pads = [fold.Pads[0], fold.Pads[1], fold.Pads[2], fold.Pads[3]];
            }

            // Filter: OHWI -> OIHW; depthwise 1,H,W,C*M -> C*M,1,H,W. Per-channel quantization ends on axis 0.
            int[] perm = depthwise ? [3, 0, 1, 2] : [0, 3, 1, 2];
            int tfliteChannelAxis = depthwise ? 3 : 0;
            string wName = Unique(w.Name);
            byte[] wData = Permute(w.ConstantData.Span, w.Shape, perm, w.Type.ElementSize());
            int[] wShape = PermuteShape(w.Shape, perm);
            AddInitializer(wName, MapType(w.Type, w), wShape, wData);
            string wValue = wName;
            QuantizationInfo? wq = Quant(w);
            if (wq is not null)
            {
                if (wq.IsPerChannel && wq.Axis != tfliteChannelAxis)
                    throw Unsupported($"filter quantized on axis {wq.Axis}, expected {tfliteChannelAxis}");
                wValue = DequantizeWith(wName, w, wq, wq.IsPerChannel ? 0 : -1);
            }

            string xValue = Dequantize(input, Nchw(input));
            var inputs = new List<string> { xValue, wValue };

            int biasIndex = node.Inputs.Length > 2 ? node.Inputs[2] : -1;
            if (biasIndex >= 0)
            {
                TensorInfo b = _t[biasIndex];
                if (!b.IsConstant) throw Unsupported("conv bias must be a constant tensor");
                string bName = Unique(b.Name);
                AddInitializer(bName, MapType(b.Type, b), [outC], b.ConstantData.ToArray());
                string bValue = bName;
                if (b.Type == TensorType.Int32)
                {
                    QuantizationInfo? xq = Quant(x);
                    float[] scales;
                    if (xq is not null && wq is not null)
                    {
                        scales = new float[wq.IsPerChannel ? outC : 1];
                        for (int c = 0; c < scales.Length; c++) scales[c] = xq.Scale * wq.Scales[c];
                    }
                    else if (b.Quantization is not null)
                        scales = b.Quantization.Scales;
                    else
                        throw Unsupported("int32 bias without quantized input and filter");
                    string sName = Unique(b.Name + "_scale");
                    AddInitializer(sName, OnnxDataType.Float, scales.Length == 1 ? [] : [scales.Length], FloatBytes(scales));
                    bValue = Unique(b.Name + "_dq");
                    var attrs = scales.Length > 1 ? new[] { OnnxAttribute.Of("axis", 0L) } : null;
                    Emit("DequantizeLinear", [bName, sName], [bValue], attrs);
                }
                else if (b.Type != TensorType.Float32)
                    throw Unsupported($"conv bias type {b.Type}");
                inputs.Add(bValue);
            }

            var convAttrs = new List<OnnxAttribute>
            {
                OnnxAttribute.Of("dilations", new long[] { dilH, dilW }),
                OnnxAttribute.Of("group", (long)(depthwise ? inC : 1)),
                OnnxAttribute.Of("kernel_shape", new long[] { kh, kw }),
                OnnxAttribute.Of("pads", pads),
                OnnxAttribute.Of("strides", new long[] { fold is null ? strideH : 1, fold is null ? strideW : 1 }),
            };
            if (depthwise && outC % inC != 0) throw Unsupported($"depthwise output channels {outC} not a multiple of {inC}");
            string convOut = Unique(y.Name + "_float");
            Emit("Conv", [.. inputs], [convOut], [.. convAttrs]);
            SetOutput(output, convOut, nchw: true, act);
        }

        // ---------------------------------------------------------------- elementwise, pooling, resize, concat

        private void ExportBinary(string opType)
        {
            int a = _node.Inputs[0], b = _node.Inputs[1], o = _node.Outputs[0];
            FusedActivation act = (_node.Options as ElementwiseOptions)?.Activation ?? FusedActivation.None;
            bool nchw = _t[o].Rank == 4;
            string av = Dequantize(a, nchw ? Nchw4(a) : Native(a));
            string bv = Dequantize(b, nchw ? Nchw4(b) : Native(b));
            string y = Unique(_t[o].Name + "_float");
            Emit(opType, [av, bv], [y]);
            SetOutput(o, y, nchw, act);
        }

        private void ExportAveragePool()
        {
            if (_node.Options is not Pool2DOptions p) throw Unsupported("missing pool options");
            int x = _node.Inputs[0], o = _node.Outputs[0];
            TensorInfo xi = _t[x];
            if (xi.Rank != 4) throw Unsupported("pool needs a 4-D input");
            var (pt, pb, _) = ComputePadding(p.Padding, xi.Shape[1], p.FilterHeight, p.StrideH, 1);
            var (pl, pr, _) = ComputePadding(p.Padding, xi.Shape[2], p.FilterWidth, p.StrideW, 1);
            string xv = Dequantize(x, Nchw(x));
            string y = Unique(_t[o].Name + "_float");
            Emit("AveragePool", [xv], [y],
            [
                OnnxAttribute.Of("count_include_pad", 0L),
                OnnxAttribute.Of("kernel_shape", new long[] { p.FilterHeight, p.FilterWidth }),
                OnnxAttribute.Of("pads", new long[] { pt, pl, pb, pr }),
                OnnxAttribute.Of("strides", new long[] { p.StrideH, p.StrideW }),
            ]);
            SetOutput(o, y, nchw: true, p.Activation);
        }

        private void ExportResizeBilinear()
        {
            var opts = _node.Options as ResizeBilinearOptions ?? new ResizeBilinearOptions(false, false);
            int x = _node.Inputs[0], o = _node.Outputs[0];
            TensorInfo xi = _t[x], oi = _t[o];
            if (xi.Rank != 4) throw Unsupported("resize needs a 4-D input");
            int newH, newW;
            if (_node.Inputs.Length > 1 && TryConstInts(_node.Inputs[1], out long[] size) && size.Length == 2)
                (newH, newW) = ((int)size[0], (int)size[1]);
            else if (oi.Rank == 4)
                (newH, newW) = (oi.Shape[1], oi.Shape[2]);
            else
                throw Unsupported("resize size must be constant");
            string mode = opts.AlignCorners ? "align_corners" : opts.HalfPixelCenters ? "half_pixel" : "asymmetric";
            string sizes = ConstInt64(oi.Name + "_sizes", [xi.Shape[0], xi.Shape[3], newH, newW]);
            OnnxAttribute[] attrs =
            [
                OnnxAttribute.Of("coordinate_transformation_mode", mode),
                OnnxAttribute.Of("mode", "linear"),
            ];
            QuantizationInfo? qx = Quant(xi), qo = Quant(oi);
            if (qx is not null && qo is not null && xi.Type == oi.Type && !qx.IsPerChannel &&
                qx.Scale == qo.Scale && qx.ZeroPoint == qo.ZeroPoint)
            {
                // Same parameters in and out (TFLite's usual case): resize the integers directly. ORT 1.31 only drops
                // the DQ/Q pair around a nearest Resize, so a QDQ linear Resize would run in float with two extra passes.
                string yq = Unique(oi.Name);
                Emit("Resize", [Nchw(x), "", "", sizes], [yq], attrs);
                _nchw[o] = yq;
                return;
            }
            string xv = Dequantize(x, Nchw(x));
            string y = Unique(oi.Name + "_float");
            Emit("Resize", [xv, "", "", sizes], [y], attrs);
            SetOutput(o, y, nchw: true, FusedActivation.None);
        }

        private void ExportConcat()
        {
            if (_node.Options is not ConcatenationOptions c) throw Unsupported("missing concatenation options");
            int o = _node.Outputs[0];
            int rank = _t[o].Rank;
            int axis = c.Axis < 0 ? c.Axis + rank : c.Axis;
            bool nchw = rank == 4;
            int onnxAxis = nchw ? Array.IndexOf(ToNchw, axis) : axis;
            var inputs = new string[_node.Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
                inputs[i] = Dequantize(_node.Inputs[i], nchw ? Nchw(_node.Inputs[i]) : Native(_node.Inputs[i]));
            string y = Unique(_t[o].Name + "_float");
            Emit("Concat", inputs, [y], [OnnxAttribute.Of("axis", (long)onnxAxis)]);
            SetOutput(o, y, nchw, c.Activation);
        }

        private void ExportArgMax()
        {
            int x = _node.Inputs[0], o = _node.Outputs[0];
            TensorInfo xi = _t[x], oi = _t[o];
            if (!TryConstInts(_node.Inputs[1], out long[] axisValues) || axisValues.Length != 1)
                throw Unsupported("arg max axis must be a constant scalar");
            int axis = (int)(axisValues[0] < 0 ? axisValues[0] + xi.Rank : axisValues[0]);
            bool channel = xi.Rank == 4 && axis == 3;
            string xv = channel ? Nchw(x) : Native(x);
            int onnxAxis = channel ? 1 : axis;
            // DequantizeLinear -> ArgMax: ONNX Runtime drops the DQ (scale > 0 keeps the order) and runs ArgMax on uint8/int8.
            xv = Dequantize(x, xv);
            string y = oi.Type == TensorType.Int64 ? Unique(oi.Name) : Unique(oi.Name + "_i64");
            Emit("ArgMax", [xv], [y],
            [
                OnnxAttribute.Of("axis", (long)onnxAxis),
                OnnxAttribute.Of("keepdims", 0L),
                OnnxAttribute.Of("select_last_index", 0L),
            ]);
            if (oi.Type == TensorType.Int32)
            {
                string cast = Unique(oi.Name);
                Emit("Cast", [y], [cast], [OnnxAttribute.Of("to", (long)OnnxDataType.Int32)]);
                y = cast;
            }
            else if (oi.Type != TensorType.Int64)
                throw Unsupported($"arg max output type {oi.Type}");
            _native[o] = y;
        }

        // ---------------------------------------------------------------- quantize / dequantize

        private void ExportQuantize()
        {
            int x = _node.Inputs[0], o = _node.Outputs[0];
            bool nchw = _nchw.ContainsKey(x) && !_native.ContainsKey(x);
            string xv = Dequantize(x, nchw ? _nchw[x] : Native(x));
            SetOutput(o, xv, nchw, FusedActivation.None);
        }

        private void ExportDequantize()
        {
            int x = _node.Inputs[0], o = _node.Outputs[0];
            if (Quant(_t[x]) is null) throw Unsupported($"dequantize of {_t[x].Type} without quantization");
            bool nchw = _nchw.ContainsKey(x) && !_native.ContainsKey(x);
            string y = Dequantize(x, nchw ? _nchw[x] : Native(x));
            if (Quant(_t[o]) is not null) throw Unsupported("dequantize output is quantized");
            (nchw ? _nchw : _native)[o] = y;
        }

        // ---------------------------------------------------------------- data movement (runs on the raw integers)

        private void ExportReshape()
        {
            int x = _node.Inputs[0], o = _node.Outputs[0];
            TensorInfo oi = _t[o];
            string shape = ConstInt64(oi.Name + "_shape", Array.ConvertAll(oi.Shape, d => (long)d));
            string y = Unique(oi.Name);
            Emit("Reshape", [Native(x), shape], [y]);
            _native[o] = Requantize(x, o, y);
        }

        private void ExportTile()
        {
            int x = _node.Inputs[0], o = _node.Outputs[0];
            TensorInfo xi = _t[x];
            if (!TryConstInts(_node.Inputs[1], out long[] multiples) || multiples.Length != xi.Rank)
                throw Unsupported("tile multiples must be a constant of the input's rank");
            bool nchw = xi.Rank == 4 && _nchw.ContainsKey(x);
            if (nchw) multiples = [multiples[0], multiples[3], multiples[1], multiples[2]];
            string m = ConstInt64(_t[o].Name + "_multiples", multiples);
            string y = Unique(_t[o].Name);
            Emit("Tile", [nchw ? _nchw[x] : Native(x), m], [y]);
            (nchw ? _nchw : _native)[o] = Requantize(x, o, y);
        }

        private void ExportSpaceToBatch()
        {
            int x = _node.Inputs[0], o = _node.Outputs[0];
            TensorInfo xi = _t[x];
            if (xi.Rank != 4) throw Unsupported("space to batch needs a 4-D input");
            if (!TryConstInts(_node.Inputs[1], out long[] block) || block.Length != 2 ||
                !TryConstInts(_node.Inputs[2], out long[] p) || p.Length != 4)
                throw Unsupported("block shape and paddings must be constants");
            long n = xi.Shape[0], c = xi.Shape[3];
            long hp = xi.Shape[1] + p[0] + p[1], wp = xi.Shape[2] + p[2] + p[3];
            if (hp % block[0] != 0 || wp % block[1] != 0) throw Unsupported("padded size not a multiple of the block");
            string name = _t[o].Name;
            string padded = Unique(name + "_pad");
            string pads = ConstInt64(name + "_pads", [0, 0, p[0], p[2], 0, 0, p[1], p[3]]);
            TensorInfo oi = _t[o];
            QuantizationInfo? q = Quant(oi);
            string padValue = ConstScalar(name + "_pad_value", oi.Type, q?.ZeroPoint ?? 0);
            Emit("Pad", [Nchw(x), pads, padValue], [padded]);
            string r1 = Unique(name + "_r1"), tr = Unique(name + "_t"), y = Unique(name);
            Emit("Reshape", [padded, ConstInt64(name + "_s1", [n, c, hp / block[0], block[0], wp / block[1], block[1]])], [r1]);
            Emit("Transpose", [r1], [tr], [OnnxAttribute.Of("perm", new long[] { 3, 5, 0, 1, 2, 4 })]);
            Emit("Reshape", [tr, ConstInt64(name + "_s2", [block[0] * block[1] * n, c, hp / block[0], wp / block[1]])], [y]);
            _nchw[o] = Requantize(x, o, y);
        }

        private void ExportBatchToSpace()
        {
            int x = _node.Inputs[0], o = _node.Outputs[0];
            TensorInfo xi = _t[x];
            if (xi.Rank != 4) throw Unsupported("batch to space needs a 4-D input");
            if (!TryConstInts(_node.Inputs[1], out long[] block) || block.Length != 2 ||
                !TryConstInts(_node.Inputs[2], out long[] crops) || crops.Length != 4)
                throw Unsupported("block shape and crops must be constants");
            long b = xi.Shape[0], h = xi.Shape[1], w = xi.Shape[2], c = xi.Shape[3];
            long n = b / (block[0] * block[1]);
            string name = _t[o].Name;
            string r1 = Unique(name + "_r1"), tr = Unique(name + "_t"), r2 = Unique(name + "_r2"), y = Unique(name);
            Emit("Reshape", [Nchw(x), ConstInt64(name + "_s1", [block[0], block[1], n, c, h, w])], [r1]);
            Emit("Transpose", [r1], [tr], [OnnxAttribute.Of("perm", new long[] { 2, 3, 4, 0, 5, 1 })]);
            Emit("Reshape", [tr, ConstInt64(name + "_s2", [n, c, h * block[0], w * block[1]])], [r2]);
            Emit("Slice", [r2,
                ConstInt64(name + "_starts", [crops[0], crops[2]]),
                ConstInt64(name + "_ends", [h * block[0] - crops[1], w * block[1] - crops[3]]),
                ConstInt64(name + "_axes", [2, 3])], [y]);
            _nchw[o] = Requantize(x, o, y);
        }

        /// <summary>Data movement keeps the integers; if TFLite gave the output other parameters, requantize.</summary>
        private string Requantize(int input, int output, string value)
        {
            QuantizationInfo? qi = Quant(_t[input]), qo = Quant(_t[output]);
            if (qi is null && qo is null) return value;
            if (qi is not null && qo is not null && qi.Scale == qo.Scale && qi.ZeroPoint == qo.ZeroPoint &&
                _t[input].Type == _t[output].Type)
                return value;
            if (qi is null || qo is null) throw Unsupported("data movement between quantized and float tensors");
            string f = DequantizeWith(value, _t[input], qi, -1);
            var (scale, zp) = QParams(output);
            string y = Unique(_t[output].Name + "_rq");
            Emit("QuantizeLinear", [f, scale, zp], [y]);
            return y;
        }

        // ---------------------------------------------------------------- outputs and activations

        /// <summary>Registers the float result of an op as tensor <paramref name="output"/>: activation, then QuantizeLinear if quantized.</summary>
        private void SetOutput(int output, string floatValue, bool nchw, FusedActivation act)
        {
            TensorInfo oi = _t[output];
            QuantizationInfo? q = Quant(oi);
            (float lo, float hi)? bounds = act switch
            {
                FusedActivation.None => null,
                FusedActivation.Relu => (0f, float.PositiveInfinity),
                FusedActivation.Relu6 => (0f, 6f),
                FusedActivation.ReluN1To1 => (-1f, 1f),
                _ => throw Unsupported($"fused activation {act}"),
            };
            string result;
            if (q is null)
            {
                if (oi.Type != TensorType.Float32) throw Unsupported($"unquantized {oi.Type} output");
                result = floatValue;
                if (bounds is { } bf)
                {
                    result = Unique(oi.Name + "_act");
                    if (float.IsPositiveInfinity(bf.hi)) Emit("Relu", [floatValue], [result]);
                    else Emit("Clip", [floatValue, ConstFloat(oi.Name + "_min", bf.lo), ConstFloat(oi.Name + "_max", bf.hi)], [result]);
                }
            }
            else
            {
                if (q.IsPerChannel) throw Unsupported($"per-channel quantized activation {oi}");
                var (scale, zp) = QParams(output);
                result = Unique(oi.Name);
                Emit("QuantizeLinear", [floatValue, scale, zp], [result]);
                if (bounds is { } b)
                {
                    // TFLite clamps the integer result to [max(qmin, zp + round(lo/s)), min(qmax, zp + round(hi/s))].
                    var (qmin, qmax) = QRange(oi.Type);
                    long lo = Math.Max(qmin, q.ZeroPoint + (long)MathF.Round(b.lo / q.Scale));
                    long hi = float.IsPositiveInfinity(b.hi) ? qmax : Math.Min(qmax, q.ZeroPoint + (long)MathF.Round(b.hi / q.Scale));
                    if (lo > qmin || hi < qmax)
                    {
                        string clipped = Unique(oi.Name + "_clip");
                        Emit("Clip", [result, ConstScalar(oi.Name + "_qmin", oi.Type, lo), ConstScalar(oi.Name + "_qmax", oi.Type, hi)], [clipped]);
                        result = clipped;
                    }
                }
            }
            (nchw ? _nchw : _native)[output] = result;
        }

        private static (long Min, long Max) QRange(TensorType t) => t switch
        {
            TensorType.UInt8 => (0, 255),
            TensorType.Int8 => (-128, 127),
            TensorType.Int16 => (-32768, 32767),
            _ => throw new NotSupportedException($"{t} is not a quantized type"),
        };

        // ---------------------------------------------------------------- values and layouts

        /// <summary>The tensor as TFLite lays it out (NHWC for 4-D).</summary>
        private string Native(int t)
        {
            if (_native.TryGetValue(t, out string? v)) return v;
            TensorInfo ti = _t[t];
            if (ti.IsConstant)
            {
                string name = Unique(ti.Name);
                AddInitializer(name, MapType(ti.Type, ti), ti.Shape, ti.ConstantData.ToArray());
                return _native[t] = name;
            }
            if (_nchw.TryGetValue(t, out string? nchw))
            {
                string name = Unique(ti.Name + "_nhwc");
                Emit("Transpose", [nchw], [name], [OnnxAttribute.Of("perm", Array.ConvertAll(ToNhwc, i => (long)i))]);
                return _native[t] = name;
            }
            throw Unsupported($"tensor {ti} is read before it is written");
        }

        /// <summary>A 4-D tensor in NCHW.</summary>
        private string Nchw(int t)
        {
            if (_nchw.TryGetValue(t, out string? v)) return v;
            TensorInfo ti = _t[t];
            if (ti.Rank != 4) throw Unsupported($"tensor {ti} is not 4-D");
            if (ti.IsConstant)
            {
                string name = Unique(ti.Name + "_nchw");
                AddInitializer(name, MapType(ti.Type, ti), PermuteShape(ti.Shape, ToNchw), Permute(ti.ConstantData.Span, ti.Shape, ToNchw, ti.Type.ElementSize()));
                return _nchw[t] = name;
            }
            string native = Native(t);
            string n = Unique(ti.Name + "_nchw");
            Emit("Transpose", [native], [n], [OnnxAttribute.Of("perm", Array.ConvertAll(ToNchw, i => (long)i))]);
            return _nchw[t] = n;
        }

        /// <summary>
        /// An operand of a 4-D broadcasting op in NCHW: rank-4 tensors are transposed, lower ranks are first
        /// padded with leading 1s to NHWC (TFLite's right-aligned broadcasting) and then transposed.
        /// </summary>
        private string Nchw4(int t)
        {
            TensorInfo ti = _t[t];
            if (ti.Rank == 4) return Nchw(t);
            if (ti.Rank > 4) throw Unsupported($"operand {ti} has rank above 4");
            int[] shape4 = new int[4];
            for (int i = 0; i < 4; i++) shape4[i] = i < 4 - ti.Rank ? 1 : ti.Shape[i - (4 - ti.Rank)];
            if (ti.IsConstant)
            {
                if (_broadcast4.TryGetValue(t, out string? c)) return c;
                string name = Unique(ti.Name + "_nchw");
                AddInitializer(name, MapType(ti.Type, ti), PermuteShape(shape4, ToNchw), Permute(ti.ConstantData.Span, shape4, ToNchw, ti.Type.ElementSize()));
                return _broadcast4[t] = name;
            }
            if (_broadcast4.TryGetValue(t, out string? cached)) return cached;
            string reshaped = Unique(ti.Name + "_4d");
            Emit("Reshape", [Native(t), ConstInt64(ti.Name + "_shape4", Array.ConvertAll(shape4, d => (long)d))], [reshaped]);
            string n = Unique(ti.Name + "_nchw");
            Emit("Transpose", [reshaped], [n], [OnnxAttribute.Of("perm", Array.ConvertAll(ToNchw, i => (long)i))]);
            return _broadcast4[t] = n;
        }

        /// <summary>A fresh DequantizeLinear of a quantized tensor's value (one per use, as ORT's QDQ fusion wants); float values pass through.</summary>
        private string Dequantize(int t, string value)
        {
            TensorInfo ti = _t[t];
            QuantizationInfo? q = Quant(ti);
            if (q is null)
            {
                if (ti.Type != TensorType.Float32) throw Unsupported($"{ti.Type} tensor {ti.Name} without quantization parameters");
                return value;
            }
            if (q.IsPerChannel) throw Unsupported($"per-channel quantized activation {ti}");
            return DequantizeWith(value, ti, q, -1);
        }

        private string DequantizeWith(string value, TensorInfo ti, QuantizationInfo q, int onnxAxis)
        {
            string scale, zp;
            if (onnxAxis < 0)
                (scale, zp) = QParams(ti.Index);
            else
            {
                int n = q.Scales.Length;
                long[] zps = new long[n];
                for (int i = 0; i < n; i++) zps[i] = q.ZeroPoints.Length == 1 ? q.ZeroPoints[0] : q.ZeroPoints[i];
                scale = Unique(ti.Name + "_scale");
                AddInitializer(scale, OnnxDataType.Float, [n], FloatBytes(q.Scales));
                zp = Unique(ti.Name + "_zero_point");
                AddInitializer(zp, MapType(ti.Type, ti), [n], IntBytes(ti.Type, zps));
            }
            string y = Unique(ti.Name + "_dq");
            Emit("DequantizeLinear", [value, scale, zp], [y], onnxAxis >= 0 ? [OnnxAttribute.Of("axis", (long)onnxAxis)] : null);
            return y;
        }

        /// <summary>Per-tensor scale and zero-point initializers, shared by every Q/DQ of the tensor.</summary>
        private (string Scale, string ZeroPoint) QParams(int t)
        {
            if (_qparams.TryGetValue(t, out var p)) return p;
            TensorInfo ti = _t[t];
            QuantizationInfo q = Quant(ti) ?? throw Unsupported($"tensor {ti} has no quantization");
            string scale = Unique(ti.Name + "_scale");
            AddInitializer(scale, OnnxDataType.Float, [], FloatBytes([q.Scale]));
            string zp = Unique(ti.Name + "_zero_point");
            AddInitializer(zp, MapType(ti.Type, ti), [], IntBytes(ti.Type, [q.ZeroPoint]));
            return _qparams[t] = (scale, zp);
        }

        private static QuantizationInfo? Quant(TensorInfo t) =>
            t.Quantization is not null && t.Type is TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 ? t.Quantization : null;

        // ---------------------------------------------------------------- constants

        private bool TryConstInts(int t, out long[] values)
        {
            values = [];
            if (t < 0) return false;
            TensorInfo ti = _t[t];
            if (!ti.IsConstant) return false;
            ReadOnlySpan<byte> d = ti.ConstantData.Span;
            int n = (int)ti.ElementCount;
            values = new long[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = ti.Type switch
                {
                    TensorType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(d[(i * 4)..]),
                    TensorType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(d[(i * 8)..]),
                    _ => throw Unsupported($"{ti} is not an integer constant"),
                };
            }
            return true;
        }

        private string ConstInt64(string baseName, long[] values)
        {
            string name = Unique(baseName);
            AddInitializer(name, OnnxDataType.Int64, [values.Length], IntBytes(TensorType.Int64, values));
            return name;
        }

        private string ConstFloat(string baseName, float value)
        {
            string name = Unique(baseName);
            AddInitializer(name, OnnxDataType.Float, [], FloatBytes([value]));
            return name;
        }

        private string ConstScalar(string baseName, TensorType type, long value)
        {
            string name = Unique(baseName);
            if (type == TensorType.Float32) AddInitializer(name, OnnxDataType.Float, [], FloatBytes([value]));
            else AddInitializer(name, MapType(type, null), [], IntBytes(type, [value]));
            return name;
        }

        private void AddInitializer(string name, OnnxDataType type, int[] shape, byte[] data) =>
            _out.Initializers.Add(new OnnxTensor(name, type, Dims(shape), data));

        private static long[] Dims(int[] shape) => Array.ConvertAll(shape, d => (long)d);

        private static byte[] FloatBytes(float[] values)
        {
            byte[] b = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), values[i]);
            return b;
        }

        private static byte[] IntBytes(TensorType type, long[] values)
        {
            int size = type.ElementSize();
            byte[] b = new byte[values.Length * size];
            for (int i = 0; i < values.Length; i++)
            {
                Span<byte> s = b.AsSpan(i * size);
                switch (type)
                {
                    case TensorType.UInt8: s[0] = checked((byte)values[i]); break;
                    case TensorType.Int8: s[0] = unchecked((byte)checked((sbyte)values[i])); break;
                    case TensorType.Int16: BinaryPrimitives.WriteInt16LittleEndian(s, checked((short)values[i])); break;
                    case TensorType.Int32: BinaryPrimitives.WriteInt32LittleEndian(s, checked((int)values[i])); break;
                    case TensorType.Int64: BinaryPrimitives.WriteInt64LittleEndian(s, values[i]); break;
                    default: throw new NotSupportedException($"integer constant of type {type}");
                }
            }
            return b;
        }

        private static int[] PermuteShape(int[] shape, int[] perm)
        {
            int[] r = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) r[i] = shape[perm[i]];
            return r;
        }

        /// <summary>Transposes a row-major tensor: output axis i is input axis perm[i].</summary>
        internal static byte[] Permute(ReadOnlySpan<byte> data, int[] shape, int[] perm, int elementSize)
        {
            int rank = shape.Length;
            long count = 1;
            foreach (int d in shape) count *= d;
            if (data.Length != count * elementSize)
                throw new ModelFormatException($"constant has {data.Length} bytes, shape [{string.Join(',', shape)}] needs {count * elementSize}");
            byte[] result = new byte[data.Length];
            long[] inStrides = new long[rank];
            long s = 1;
            for (int i = rank - 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
            int[] outShape = PermuteShape(shape, perm);
            int[] idx = new int[rank];
            for (long o = 0; o < count; o++)
            {
                long src = 0;
                for (int i = 0; i < rank; i++) src += idx[i] * inStrides[perm[i]];
                data.Slice((int)(src * elementSize), elementSize).CopyTo(result.AsSpan((int)(o * elementSize)));
                for (int i = rank - 1; i >= 0; i--)
                {
                    if (++idx[i] < outShape[i]) break;
                    idx[i] = 0;
                }
            }
            return result;
        }

        private OnnxDataType MapType(TensorType t, TensorInfo? ti) => t switch
        {
            TensorType.Float32 => OnnxDataType.Float,
            TensorType.UInt8 => OnnxDataType.UInt8,
            TensorType.Int8 => OnnxDataType.Int8,
            TensorType.Int16 => OnnxDataType.Int16,
            TensorType.Int32 => OnnxDataType.Int32,
            TensorType.Int64 => OnnxDataType.Int64,
            TensorType.Bool => OnnxDataType.Bool,
            TensorType.Float16 => OnnxDataType.Float16,
            _ => throw Unsupported($"tensor type {t}{(ti is null ? "" : " of " + ti.Name)}"),
        };

        // ---------------------------------------------------------------- nodes and names

        private void Emit(string opType, string[] inputs, string[] outputs, OnnxAttribute[]? attributes = null)
        {
            string tag = _node is null ? "graph" : $"{_node.Op.ToTfliteName().ToLowerInvariant()}_{_node.Index}";
            string name = $"{opType}_{tag}_{_nodeCounter++.ToString(CultureInfo.InvariantCulture)}";
            _out.Nodes.Add(new OnnxNode(opType, name, inputs, outputs, attributes));
        }

        private void Reserve(string name)
        {
            if (!_names.Add(name)) throw new ModelFormatException($"two graph inputs/outputs are named '{name}'");
        }

        private string Unique(string baseName)
        {
            if (baseName.Length == 0) baseName = "t";
            if (_names.Add(baseName)) return baseName;
            for (int i = 1; ; i++)
            {
                string candidate = baseName + "_" + i.ToString(CultureInfo.InvariantCulture);
                if (_names.Add(candidate)) return candidate;
            }
        }

        /// <summary>Renames a value produced by a node (and every use of it). False if no node produces it.</summary>
        private bool RenameProduced(string from, string to)
        {
            int producer = _out.Nodes.FindIndex(n => Array.IndexOf(n.Outputs, from) >= 0);
            if (producer < 0) return false;
            for (int i = 0; i < _out.Nodes.Count; i++)
            {
                OnnxNode n = _out.Nodes[i];
                bool changed = false;
                string[] ins = (string[])n.Inputs.Clone(), outs = (string[])n.Outputs.Clone();
                for (int k = 0; k < ins.Length; k++) if (ins[k] == from) { ins[k] = to; changed = true; }
                for (int k = 0; k < outs.Length; k++) if (outs[k] == from) { outs[k] = to; changed = true; }
                if (changed) _out.Nodes[i] = new OnnxNode(n.OpType, n.Name, ins, outs, n.Attributes, n.Domain);
            }
            return true;
        }
    }
}
