using EdgeRuntime.Graph;
using EdgeRuntime.Kernels.Elementwise;
using EdgeRuntime.Kernels.Reference;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// Quantized MUL by a per-channel constant whose only reader is an ADD of a per-channel constant (TF Hub's int8 DeepLab
/// after every dilated depthwise: the batch norm its converter left un-folded), run as one operator built by
/// <see cref="OperatorFusion"/>: for each channel the pair maps one input byte to one output byte, so one
/// <see cref="ChannelByteTable"/> filled from the two reference kernels composed (MUL's clamped code fed to ADD, as the
/// stored intermediate would be) is exact by construction, and the intermediate tensor is never written.
/// The Reference kernel ISA runs the two reference kernels one after the other instead (through scratch).
/// </summary>
internal sealed class MulAddChannelTableOperator : IFusedOperatorKernel
{
    public BuiltinOperator Producer => BuiltinOperator.Mul;
    public BuiltinOperator Consumer => BuiltinOperator.Add;

    public bool CanFuse(OperatorNode mul, OperatorNode add, ModelGraph graph)
    {
        try
        {
            return Plan(mul, add, graph) is not null;
        }
        catch (Exception e) when (e is ModelFormatException or UnsupportedOperatorException or ArgumentException)
        {
            return false; // left unfused: the operators' own Prepare reports it
        }
    }

    private sealed record FusedPlan(BinaryElementwiseSetup Mul, BinaryElementwiseSetup Add, ChannelConstantOperand MulConstant,
        ChannelConstantOperand AddConstant, MulQuantParams MulParams, AddQuantParams AddParams);

    /// <summary>Both nodes validated by their own operators' checks; null when the pair is not per-channel-constant MUL then ADD.</summary>
    private static FusedPlan? Plan(OperatorNode mul, OperatorNode add, ModelGraph graph)
    {
        if (mul.Outputs.Length != 1 || add.Inputs.Length != 2 || add.Outputs.Length != 1) return null;
        var sm = BinaryElementwiseSetup.Create(mul, graph, BuiltinOperator.Mul, maxVersion: 5);
        var sa = BinaryElementwiseSetup.Create(add, graph, BuiltinOperator.Add, maxVersion: 4);
        if (sm.Type is not (TensorType.UInt8 or TensorType.Int8) || sa.Type != sm.Type || sm.OutputShape != sa.OutputShape) return null;
        if (ChannelConstantOperand.Find(mul, graph, sm) is not { } cm || ChannelConstantOperand.Find(add, graph, sa) is not { } ca) return null;
        if (add.Inputs[ca.VariableInput] != mul.Outputs[0]) return null;
        var pm = MulQuantParams.Create(sm.Q1.Scale, sm.Q1.ZeroPoint, sm.Q2.Scale, sm.Q2.ZeroPoint, sm.QOut.Scale, sm.QOut.ZeroPoint, sm.ActivationMin, sm.ActivationMax);
        AddQuantParams pa = AddOperator.QuantParams(add, sa);
        return new FusedPlan(sm, sa, cm, ca, pm, pa);
    }

    /// <summary>The name <see cref="OperatorFusion"/> gives the fused node.</summary>
    public const string FusedName = "MUL+ADD";

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        if (node.FusedNodes is not [var mul, var add]) throw new ArgumentException($"{node} is not a fused MUL+ADD");
        FusedPlan plan = Plan(mul, add, graph)
            ?? throw new UnsupportedOperatorException(node, "only a MUL and an ADD of per-channel constants over one uint8/int8 tensor are fused");
        // The fused node's inputs start with the MUL's: the variable one is read, and the output may take its buffer.
        return PrepareChain(node, mul, add, graph, context, plan, mul.Inputs[plan.MulConstant.VariableInput], plan.MulConstant.VariableInput);
    }

    /// <summary>True when <paramref name="node"/> is a fused MUL+ADD node this kernel can prepare.</summary>
    internal static bool IsChain(OperatorNode node, ModelGraph graph, out OperatorNode mul, out OperatorNode add)
    {
        (mul, add) = (null!, null!);
        if (node.DisplayName != FusedName || node.FusedNodes is not [var m, var a]) return false;
        (mul, add) = (m, a);
        try
        {
            return Plan(m, a, graph) is not null;
        }
        catch (Exception e) when (e is ModelFormatException or UnsupportedOperatorException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The chain <paramref name="mul"/> then <paramref name="add"/> applied to <paramref name="source"/> (read in place of the
    /// MUL's variable input; may be the ADD's output, then the op runs in place), reported as <paramref name="node"/>.
    /// The table path when the kernel variant is not Reference, else the reference kernels through scratch.
    /// </summary>
    internal static PreparedOperator PrepareChain(OperatorNode node, OperatorNode mul, OperatorNode add, ModelGraph graph, KernelContext context, int source)
    {
        FusedPlan plan = Plan(mul, add, graph) ?? throw new UnsupportedOperatorException(node, "not a MUL and an ADD of per-channel constants");
        return PrepareChain(node, mul, add, graph, context, plan, source, -1);
    }

    /// <summary>The chain's table (exact by construction), or null under the Reference kernel variant (the reference kernels run instead).</summary>
    internal static ChannelByteTable? TableFor(OperatorNode mul, OperatorNode add, ModelGraph graph, KernelContext context)
    {
        if (QuantizedMulKernels.Select(context.Isa) == SimdVariant.Reference) return null;
        FusedPlan plan = Plan(mul, add, graph) ?? throw new UnsupportedOperatorException(mul, "not a MUL and an ADD of per-channel constants");
        return Table(plan);
    }

    private static PreparedOperator PrepareChain(OperatorNode node, OperatorNode mul, OperatorNode add, ModelGraph graph, KernelContext context,
        FusedPlan plan, int source, int inPlaceSlot)
    {
        int elements = plan.Add.OutputShape.FlatSize;
        if (QuantizedMulKernels.Select(context.Isa) == SimdVariant.Reference)
            return new ReferencePrepared(node, mul, add, plan, elements, source);
        return new ChannelTablePrepared(node, source, add.Outputs[0], inPlaceSlot, elements, Table(plan), context.Workers);
    }

    private static ChannelByteTable Table(FusedPlan plan)
    {
        int channels = Math.Max(plan.MulConstant.Channels, plan.AddConstant.Channels);
        (ChannelConstantOperand cm, ChannelConstantOperand ca, MulQuantParams pm, AddQuantParams pa) = (plan.MulConstant, plan.AddConstant, plan.MulParams, plan.AddParams);
        return new ChannelByteTable(channels, plan.Mul.Type == TensorType.Int8, (c, q) =>
        {
            int product = cm.Apply((a, b) => MulReference.MulOne(a, b, pm), c, q);
            // The intermediate tensor holds the code as a byte of the model's type: MulOne's result is in its range already.
            return ca.Apply((a, b) => AddReference.AddOne(a, b, pa), c, product);
        });
    }

    /// <summary>The two reference kernels in sequence, the intermediate in scratch; the MUL's variable input read from <c>source</c>.</summary>
    private sealed class ReferencePrepared(OperatorNode node, OperatorNode mul, OperatorNode add, FusedPlan plan, int elements, int source) : PreparedOperator(node)
    {
        public override string KernelName => "reference";
        public override long ScratchBytes => elements;

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            int addConstant = add.Inputs[plan.AddConstant.ConstantInput];
            if (plan.Mul.Type == TensorType.UInt8) Run<byte>(memory, scratch[..elements], addConstant);
            else Run<sbyte>(memory, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(scratch[..elements]), addConstant);
        }

        private void Run<T>(TensorMemory memory, Span<T> intermediate, int addConstant)
            where T : unmanaged, System.Numerics.IBinaryInteger<T>
        {
            BinaryElementwiseSetup m = plan.Mul, a = plan.Add;
            int variable = plan.MulConstant.VariableInput;
            int in0 = variable == 0 ? source : mul.Inputs[0], in1 = variable == 1 ? source : mul.Inputs[1];
            MulReference.Quantized(plan.MulParams, m.Shape1, memory.ReadOnly<T>(in0), m.Shape2, memory.ReadOnly<T>(in1), m.OutputShape, intermediate);
            ReadOnlySpan<T> constant = memory.ReadOnly<T>(addConstant);
            if (plan.AddConstant.ConstantInput == 0)
                AddReference.Quantized(plan.AddParams, a.Shape1, constant, a.Shape2, intermediate, a.OutputShape, memory.Span<T>(add.Outputs[0]));
            else
                AddReference.Quantized(plan.AddParams, a.Shape1, intermediate, a.Shape2, constant, a.OutputShape, memory.Span<T>(add.Outputs[0]));
        }
    }
}
