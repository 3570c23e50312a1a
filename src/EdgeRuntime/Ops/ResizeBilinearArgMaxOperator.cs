using System.Buffers.Binary;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Resize;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Ops;

/// <summary>
/// RESIZE_BILINEAR (uint8/int8) whose only reader is an ARG_MAX over the channel axis, run as one operator (built by
/// <see cref="OperatorFusion"/>, never read from a model): each output pixel's channels are interpolated exactly as the
/// resize kernel does and arg-maxed at once, so the resized tensor (DeepLab's [1,513,513,21]) is never stored.
/// Both nodes are validated by their own operators' checks, so a model fails the same way fused or not.
/// </summary>
internal sealed class ResizeBilinearArgMaxOperator : IFusedOperatorKernel
{
    public BuiltinOperator Producer => BuiltinOperator.ResizeBilinear;
    public BuiltinOperator Consumer => BuiltinOperator.ArgMax;

    public bool CanFuse(OperatorNode resize, OperatorNode argMax, ModelGraph graph)
    {
        if (resize.Inputs.Length != 2 || argMax.Inputs.Length != 2 || argMax.Outputs.Length != 1 || argMax.Inputs[0] != resize.Outputs[0]) return false;
        TensorInfo? resized = Tensor(graph, resize.Outputs[0]), axis = Tensor(graph, argMax.Inputs[1]);
        if (resized is null || axis is null || resized.Type is not (TensorType.UInt8 or TensorType.Int8) || resized.Rank != 4 || resized.Shape[3] > 65536) return false;
        if (!axis.IsConstant || axis.ElementCount != 1) return false;
        ReadOnlySpan<byte> bytes = axis.ConstantData.Span;
        long value = axis.Type switch
        {
            TensorType.Int32 when bytes.Length == 4 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
            TensorType.Int64 when bytes.Length == 8 => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            _ => long.MinValue,
        };
        return value is 3 or -1; // the channel axis of the NHWC resize output
    }

    private static TensorInfo? Tensor(ModelGraph graph, int index) => (uint)index < (uint)graph.Tensors.Length ? graph.Tensors[index] : null;

    public PreparedOperator Prepare(OperatorNode node, ModelGraph graph, KernelContext context)
    {
        if (node.FusedNodes is not [var resize, var argMax]) throw new ArgumentException($"{node} is not a fused RESIZE_BILINEAR+ARG_MAX");
        var (type, resizePlan) = ResizeBilinearOperator.Validate(resize, graph);
        ArgMaxOperator.ArgMaxGeometry g = ArgMaxOperator.Validate(argMax, graph);
        OpHelpers.Require(type is TensorType.UInt8 or TensorType.Int8 && g.Inner == 1 && g.AxisSize == resizePlan.Output.C, node,
            "only a uint8/int8 resize arg-maxed over its channel axis is fused");
        var plan = new ResizeBilinearArgMaxPlan(resizePlan, type == TensorType.Int8);
        SimdVariant variant = ResizeBilinearArgMaxKernels.Select(context.Isa);
        if (!ResizeBilinearArgMaxKernels.IsVectorized(variant, plan)) variant = SimdVariant.Reference;
        return new Prepared(node, resize.Inputs[0], argMax.Outputs[0], plan, variant, g.Int64, context.Workers);
    }

    private sealed unsafe class Prepared : PreparedOperator, IParallelJob
    {
        private readonly int _input, _output, _rows, _threads;
        private readonly ParallelWork _work;
        private readonly long _scratchPerThread;
        private readonly ResizeBilinearArgMaxPlan _plan;
        private readonly SimdVariant _variant;
        private readonly bool _int64;
        private readonly WorkerPool? _workers;

        // Set for the duration of one Invoke (the arena is pinned).
        private byte* _pin, _pout, _pscratch;

        public Prepared(OperatorNode node, int input, int output, ResizeBilinearArgMaxPlan plan, SimdVariant variant, bool int64, WorkerPool? workers) : base(node)
        {
            (_input, _output, _plan, _variant, _int64, _workers) = (input, output, plan, variant, int64, workers);
            _rows = plan.Resize.Output.N * plan.Resize.Output.H;
            // The reference runs whole on the calling thread; the vector code runs chunks of output rows, each thread with its own planes.
            _work = variant == SimdVariant.Reference ? new ParallelWork(_rows, 1) : ParallelWork.Plan(workers, _rows, 8);
            _threads = _work.IsParallel ? workers!.Threads : 1;
            _scratchPerThread = (ResizeBilinearArgMaxKernels.ScratchBytes(variant, plan) + 63) / 64 * 64;
        }

        public override long ScratchBytes => _scratchPerThread * _threads;
        public override ParallelWork Parallelism => _work;

        public override string KernelName => KernelDispatcher.Name(_variant);

        public override void Invoke(TensorMemory memory, Span<byte> scratch)
        {
            if (_variant == SimdVariant.Reference)
            {
                if (_int64) ResizeBilinearArgMaxKernels.Run(_variant, _plan, memory.ReadOnlyBytes(_input), scratch, memory.Span<long>(_output));
                else ResizeBilinearArgMaxKernels.Run(_variant, _plan, memory.ReadOnlyBytes(_input), scratch, memory.Span<int>(_output));
                return;
            }
            fixed (byte* pin = memory.ReadOnlyBytes(_input), pout = memory.Bytes(_output), ps = scratch)
            {
                _pin = pin;
                _pout = pout;
                _pscratch = ps;
                try
                {
                    _work.Run(_workers, this);
                }
                finally
                {
                    _pin = _pout = _pscratch = null;
                }
            }
        }

        public void Execute(int chunk, int chunks, int worker)
        {
            (int start, int count) = _work.Range(chunk);
            if (count == 0) return;
            var input = new ReadOnlySpan<byte>(_pin, _plan.Resize.Input.FlatSize);
            var scratch = new Span<byte>(_pscratch + worker * _scratchPerThread, (int)_scratchPerThread);
            int ids = _rows * _plan.Resize.Output.W;
            if (_int64) ResizeBilinearArgMaxKernels.Rows(_variant, _plan, input, scratch, new Span<long>(_pout, ids), start, count);
            else ResizeBilinearArgMaxKernels.Rows(_variant, _plan, input, scratch, new Span<int>(_pout, ids), start, count);
        }
    }
}
