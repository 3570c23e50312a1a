using EdgeRuntime.Kernels.Requantization;

namespace EdgeRuntime.Kernels.Gemm;

/// <summary>
/// Weights of one quantized GEMM (1x1 convolution / fully connected) prepared at plan time for one kernel variant.
/// Immutable and thread-safe to share between runs.
/// </summary>
internal sealed class PackedGemmWeights
{
    internal PackedGemmWeights(KernelIsa isa, QuantParams q, int n, int k, int nr, int kp, byte[] data, RequantTable requant, int[] rawBias, string kernel, bool vnni = false, int rowSumScale = 0, bool pairs = false)
    {
        Pairs = pairs;
        RowSumScale = rowSumScale;
        Kernel = kernel;
        Vnni = vnni;
        Isa = isa;
        Quant = q;
        N = n;
        K = k;
        Nr = nr;
        Kp = kp;
        Data = data;
        Requant = requant;
        RawBias = rawBias;
    }

    public KernelIsa Isa { get; }
    /// <summary>The micro-kernel these weights were packed for (e.g. "gemm-avx2-vnni").</summary>
    public string Kernel { get; }
    public QuantParams Quant { get; }
    public QuantType Type => Quant.Type;
    /// <summary>Output channels.</summary>
    public int N { get; }
    /// <summary>Reduction depth (input channels).</summary>
    public int K { get; }
    /// <summary>Bytes this packing holds (weights, folded bias and requantization tables).</summary>
    public long Bytes => Data.Length + Requant.Bytes + RawBias.Length * 4L;

    /// <summary>Laid out for vpdpbusd (u8 x s8): see <see cref="FoldedQuantizedGemm"/>.</summary>
    internal bool Vnni { get; }
    /// <summary>Centered weights for the ARM SMULL + SMLAL + SADALP tile (every w - w_zp in [-127, 127]): see <see cref="AdvSimdPairsS8"/>.</summary>
    internal bool Pairs { get; }
    /// <summary>The run adds RowSumScale * sum_k A[m,k] to row m's int32 sums (the part of the zero-point algebra that depends on the activations); 0 when nothing does.</summary>
    internal int RowSumScale { get; }
    internal int Nr { get; }
    internal int Kp { get; }
    internal byte[] Data { get; }
    internal RequantTable Requant { get; }
    internal int[] RawBias { get; }
}

/// <summary>
/// Quantized GEMM: C[m, n] = clamp(out_zp + Requantize.Apply(bias[n] + sum_k (A[m,k] - in_zp) * (W[n,k] - w_zp), mult[n], shift[n], rounding)),
/// A = activations [M, K] (row stride aStride), W = weights [N, K] (the TFLite 1x1 filter [N,1,1,K]), C = [M, N] (row stride cStride).
/// Bytes are uint8 or int8 (reinterpreted) according to <see cref="QuantParams.Type"/>. One instance per variant; see <see cref="For"/>.
/// </summary>
internal abstract class QuantizedGemm
{
    public abstract KernelIsa Isa { get; }

    /// <summary>The micro-kernel this instance runs ("gemm-" + variant, plus e.g. "-vnni" for an ISA extension).</summary>
    public virtual string KernelName => "gemm-" + KernelDispatcher.Name(Isa);

    /// <summary>Packs weights [N, K] and bias [N] (empty span: no bias) for this variant. Call once at plan time.</summary>
    public abstract PackedGemmWeights Pack(QuantParams q, int n, int k, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias);

    /// <summary>Computes m rows of C. Does not allocate. Safe to call concurrently on disjoint row ranges.</summary>
    public void Run(PackedGemmWeights w, int m, ReadOnlySpan<byte> a, int aStride, Span<byte> c, int cStride)
    {
        if (w.Isa != Isa) throw new ArgumentException($"weights were packed for {KernelDispatcher.Name(w.Isa)}, not {KernelDispatcher.Name(Isa)}");
        if (m <= 0) return;
        if (aStride < w.K || cStride < w.N) throw new ArgumentException("row stride shorter than a row");
        if (a.Length < (long)(m - 1) * aStride + w.K) throw new ArgumentException($"A holds {a.Length} bytes, needs {m} rows of {w.K}");
        if (c.Length < (long)(m - 1) * cStride + w.N) throw new ArgumentException($"C holds {c.Length} bytes, needs {m} rows of {w.N}");
        RunCore(w, m, a, aStride, c, cStride);
    }

    public void Run(PackedGemmWeights w, int m, ReadOnlySpan<byte> a, Span<byte> c) => Run(w, m, a, w.K, c, w.N);

    protected abstract void RunCore(PackedGemmWeights w, int m, ReadOnlySpan<byte> a, int aStride, Span<byte> c, int cStride);

    private static readonly QuantizedGemm s_reference = new ReferenceQuantizedGemm();
    private static readonly QuantizedGemm s_portable = new PortableQuantizedGemm();
    // Made on first use: the VNNI decision may throw (EDGERT_VNNI=1 without AVX-VNNI), which must not poison the type initializer.
    private static QuantizedGemm? s_avx2;
    private static readonly QuantizedGemm s_advSimd = new AdvSimdQuantizedGemm();
    private static readonly QuantizedGemm s_dot = new AdvSimdDotQuantizedGemm();

    /// <summary>The implementation for <paramref name="isa"/>; throws <see cref="PlatformNotSupportedException"/> if the CPU cannot run it.</summary>
    public static QuantizedGemm For(KernelIsa isa) => KernelDispatcher.Require(isa) switch
    {
        KernelIsa.Reference => s_reference,
        KernelIsa.Portable => s_portable,
        KernelIsa.Avx2 => s_avx2 ??= new Avx2QuantizedGemm(KernelDispatcher.Vnni),
        KernelIsa.AdvSimd => s_advSimd,
        KernelIsa.AdvSimdDot => s_dot,
        _ => throw new ArgumentOutOfRangeException(nameof(isa)),
    };

    internal static int[] BiasOrZeros(ReadOnlySpan<int> bias, int n)
    {
        if (bias.Length == 0) return new int[n];
        if (bias.Length != n) throw new ArgumentException($"{bias.Length} biases for {n} output channels");
        return bias.ToArray();
    }

    internal static void CheckShape(QuantParams q, int n, int k, ReadOnlySpan<byte> weights)
    {
        if (n <= 0 || k <= 0) throw new ArgumentException($"GEMM shape n={n} k={k} must be positive");
        if (weights.Length != (long)n * k) throw new ArgumentException($"{weights.Length} weight bytes for n={n} k={k}");
        q.Validate(n);
    }
}

/// <summary>The specification in plain scalar C#: zero points subtracted per product, no folding, no packing.</summary>
internal sealed class ReferenceQuantizedGemm : QuantizedGemm
{
    public override KernelIsa Isa => KernelIsa.Reference;

    public override PackedGemmWeights Pack(QuantParams q, int n, int k, ReadOnlySpan<byte> weights, ReadOnlySpan<int> bias)
    {
        CheckShape(q, n, k, weights);
        int[] b = BiasOrZeros(bias, n);
        return new PackedGemmWeights(Isa, q, n, k, 1, k, weights.ToArray(), new RequantTable(q, n, b), b, KernelName);
    }

    protected override void RunCore(PackedGemmWeights w, int m, ReadOnlySpan<byte> a, int aStride, Span<byte> c, int cStride)
    {
        QuantParams q = w.Quant;
        bool s8 = q.Type == QuantType.Int8;
        int k = w.K, izp = q.InputZeroPoint, wzp = q.FilterZeroPoint;
        byte[] wt = w.Data;
        for (int row = 0; row < m; row++)
        {
            ReadOnlySpan<byte> ar = a.Slice(row * aStride, k);
            for (int n = 0; n < w.N; n++)
            {
                int acc = w.RawBias[n];
                for (int i = 0; i < k; i++)
                {
                    int av = s8 ? (sbyte)ar[i] : ar[i];
                    int wv = s8 ? (sbyte)wt[n * k + i] : wt[n * k + i];
                    acc += (av - izp) * (wv - wzp);
                }
                int v = Requantize.Apply(acc, q.MultiplierAt(n), q.ShiftAt(n), q.Rounding) + q.OutputZeroPoint;
                c[row * cStride + n] = (byte)Math.Clamp(v, q.OutputMin, q.OutputMax);
            }
        }
    }
}
