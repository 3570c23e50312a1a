using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Kernels;
using EdgeRuntime.Kernels.Simd;
using EdgeRuntime.Ops;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tests.Ops;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.SimdOps;

/// <summary>
/// The operators pick their variant from KernelContext.Isa, report it in KernelName, and produce the reference's bytes
/// (including ADD running in place on the [C]-vector broadcast of an un-folded batch norm).
/// </summary>
public class SimdOperatorWiringTests
{
    /// <summary>Every SIMD variant; the ones this CPU lacks are skipped (AdvSimd ones run on ARM64 hosts and in the qemu suite).</summary>
    public static TheoryData<KernelIsa> Isas => new(IsaSkip.FastVariants.Select(isa => new TheoryDataRow<KernelIsa>(isa).WithSkip(IsaSkip.Reason(isa))));

    /// <summary>Builds the op twice (Reference and <paramref name="isa"/>), feeds both the same random input bytes, returns (name, refOut, simdOut).</summary>
    private static (string Name, byte[] Expected, byte[] Actual) RunBoth(KernelIsa isa, Func<OpHarness, (IOperatorKernel Kernel, BuiltinOperator Op, int[] Inputs, int[] Outputs, OperatorOptions? Options)> build, bool aliasFirst = false)
    {
        byte[]? expected = null;
        string name = "";
        byte[] actual = [];
        foreach (KernelIsa which in new[] { KernelIsa.Reference, isa })
        {
            var h = new OpHarness();
            var (kernel, op, inputs, outputs, options) = build(h);
            if (aliasFirst) h.Alias(outputs[0], inputs[0]);
            var (prepared, memory) = h.Prepare(kernel, op, inputs, outputs, options, version: 1, isa: which);
            var rng = new Random(42);
            foreach (int i in inputs)
                if (!h[i].IsConstant) rng.NextBytes(memory.Bytes(i));
            if (h[inputs[0]].Type == TensorType.Float32)
            {
                Span<float> f = memory.Span<float>(inputs[0]);
                for (int k = 0; k < f.Length; k++) f[k] = (float)(rng.NextDouble() * 40 - 20);
            }
            prepared.Invoke(memory, []);
            byte[] result = memory.Bytes(outputs[0]).ToArray();
            if (which == KernelIsa.Reference) { expected = result; Assert.Equal("reference", prepared.KernelName); }
            else { actual = result; name = prepared.KernelName; }
        }
        return (name, expected!, actual);
    }

    [Theory, MemberData(nameof(Isas))]
    public void AddInPlaceWithChannelVectorBroadcast(KernelIsa isa)
    {
        var (name, expected, actual) = RunBoth(isa, h =>
        {
            int a = h.Quantized(TensorType.UInt8, [1, 9, 7, 37], 0.05f, 120);
            int b = h.Quantized(TensorType.UInt8, [37], 0.02f, 3);
            int o = h.Quantized(TensorType.UInt8, [1, 9, 7, 37], 0.06f, 100);
            return (new AddOperator(), BuiltinOperator.Add, [a, b], [o], new ElementwiseOptions(FusedActivation.Relu));
        }, aliasFirst: true);
        Assert.Equal(isa == KernelIsa.Portable ? "portable" : isa == KernelIsa.Avx2 ? "avx2" : "advsimd", name);
        Assert.Equal(expected, actual);
    }

    /// <summary>Same-shape ADD: the table on x86 (uint8 and int8, in place, odd length), the vector kernels elsewhere.</summary>
    [Theory, MemberData(nameof(Isas))]
    public void SameShapeAddInPlace(KernelIsa isa)
    {
        foreach (TensorType type in new[] { TensorType.UInt8, TensorType.Int8 })
        {
            var (name, expected, actual) = RunBoth(isa, h =>
            {
                int zp = type == TensorType.UInt8 ? 120 : -8;
                int a = h.Quantized(type, [1, 11, 13, 7], 0.05f, zp);
                int b = h.Quantized(type, [1, 11, 13, 7], 0.031f, zp / 2);
                int o = h.Quantized(type, [1, 11, 13, 7], 0.07f, zp / 3);
                return (new AddOperator(), BuiltinOperator.Add, [a, b], [o], new ElementwiseOptions(FusedActivation.Relu6));
            }, aliasFirst: true);
            Assert.Equal(isa == KernelIsa.Portable ? "portable" : isa == KernelIsa.Avx2 ? "table" : "advsimd", name);
            Assert.Equal(expected, actual);
        }
    }

    [Theory, MemberData(nameof(Isas))]
    public void MulInt8ChannelVectorBroadcast(KernelIsa isa)
    {
        var (name, expected, actual) = RunBoth(isa, h =>
        {
            int a = h.Quantized(TensorType.Int8, [1, 5, 6, 19], 0.05f, -3);
            int b = h.Quantized(TensorType.Int8, [1, 1, 1, 19], 0.01f, 7);
            int o = h.Quantized(TensorType.Int8, [1, 5, 6, 19], 0.003f, 2);
            return (new MulOperator(), BuiltinOperator.Mul, [a, b], [o], new ElementwiseOptions(FusedActivation.None));
        });
        Assert.NotEqual("reference", name);
        Assert.Equal(expected, actual);
    }

    [Theory, MemberData(nameof(Isas))]
    public void GlobalAveragePoolUInt8(KernelIsa isa)
    {
        var (name, expected, actual) = RunBoth(isa, h =>
        {
            int x = h.Quantized(TensorType.UInt8, [1, 33, 33, 40], 0.1f, 5);
            int o = h.Quantized(TensorType.UInt8, [1, 1, 1, 40], 0.1f, 5);
            return (new AveragePool2DOperator(), BuiltinOperator.AveragePool2D, [x], [o], new Pool2DOptions(Padding.Valid, 33, 33, 33, 33, FusedActivation.None));
        });
        Assert.Equal("portable", name);
        Assert.Equal(expected, actual);
    }

    [Theory, MemberData(nameof(Isas))]
    public void ResizeUInt8AlignCorners(KernelIsa isa)
    {
        var (name, expected, actual) = RunBoth(isa, h =>
        {
            int x = h.Quantized(TensorType.UInt8, [1, 17, 17, 21], 0.1f, 5);
            int size = h.Constant(TensorType.Int32, [2], new[] { 129, 129 });
            int o = h.Quantized(TensorType.UInt8, [1, 129, 129, 21], 0.1f, 5);
            return (new ResizeBilinearOperator(), BuiltinOperator.ResizeBilinear, [x, size], [o], new ResizeBilinearOptions(true, false));
        });
        Assert.Equal(isa == KernelIsa.Avx2 ? "avx2" : "portable", name);
        Assert.Equal(expected, actual);
    }

    [Theory, MemberData(nameof(Isas))]
    public void ArgMaxLastAxisUInt8(KernelIsa isa)
    {
        var (name, expected, actual) = RunBoth(isa, h =>
        {
            int x = h.Quantized(TensorType.UInt8, [1, 31, 29, 21], 0.1f, 5);
            int axis = h.Constant(TensorType.Int32, [], new[] { 3 });
            int o = h.Tensor(TensorType.Int64, [1, 31, 29]);
            return (new ArgMaxOperator(), BuiltinOperator.ArgMax, [x, axis], [o], new ArgMaxOptions(TensorType.Int64));
        });
        Assert.Equal(isa is KernelIsa.AdvSimd or KernelIsa.AdvSimdDot ? "advsimd" : "portable", name);
        Assert.Equal(expected, actual);
    }

    [Theory, MemberData(nameof(Isas))]
    public void QuantizeAndDequantize(KernelIsa isa)
    {
        var (qname, qe, qa) = RunBoth(isa, h =>
        {
            int x = h.Tensor(TensorType.Float32, [1, 7, 9, 5]);
            int o = h.Quantized(TensorType.Int8, [1, 7, 9, 5], 0.125f, -4);
            return (new QuantizeOperator(), BuiltinOperator.Quantize, [x], [o], null);
        });
        Assert.NotEqual("reference", qname);
        Assert.Equal(qe, qa);
        var (dname, de, da) = RunBoth(isa, h =>
        {
            int x = h.Quantized(TensorType.UInt8, [1, 7, 9, 5], 0.07f, 131);
            int o = h.Tensor(TensorType.Float32, [1, 7, 9, 5]);
            return (new DequantizeOperator(), BuiltinOperator.Dequantize, [x], [o], null);
        });
        Assert.NotEqual("reference", dname);
        Assert.Equal(de, da);
    }

    /// <summary>QUANTIZE 8-bit -> 8-bit: the Coral requantize (uint8 0.0124224 -> 0.0352094) and the mixed and int8 pairs.</summary>
    [Theory, MemberData(nameof(Isas))]
    public void RequantizeEveryTypePair(KernelIsa isa)
    {
        foreach (var (inType, inScale, inZp, outType, outScale, outZp) in new[]
        {
            (TensorType.UInt8, 0.0124224f, 0, TensorType.UInt8, 0.0352094f, 0),
            (TensorType.UInt8, 0.05f, 128, TensorType.Int8, 0.05f, 0),
            (TensorType.Int8, 0.02f, -7, TensorType.UInt8, 0.003f, 90),
            (TensorType.Int8, 0.4f, 3, TensorType.Int8, 0.01f, -100),
        })
        {
            var (name, expected, actual) = RunBoth(isa, h =>
            {
                int x = h.Quantized(inType, [1, 33, 33, 19], inScale, inZp);
                int o = h.Quantized(outType, [1, 33, 33, 19], outScale, outZp);
                return (new QuantizeOperator(), BuiltinOperator.Quantize, [x], [o], null);
            });
            Assert.NotEqual("reference", name);
            Assert.Equal(expected, actual);
        }
    }
}
