using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeRuntime.Kernels;

namespace EdgeRuntime.Segmentation;

/// <summary>
/// Per logit pixel, the class whose logit is strictly above every other class's logit (its "clear winner"), or
/// <see cref="None"/> when the maximum is tied or a logit is NaN. Why: a bilinear mix with non-negative weights of
/// pixels that share a clear winner c has c as its argmax (c beats every k at each corner by at least one float step
/// of the larger value, far more than the few double roundings of the mix), so <see cref="LogitsArgMax"/> only has to
/// interpolate every class where the corners disagree - class boundaries, a few percent of an upsampled map.
/// </summary>
internal static unsafe class ClearWinners
{
    /// <summary>No clear winner (so at most 255 classes use the shortcut).</summary>
    public const byte None = 255;

    /// <summary>
    /// The vector width <paramref name="isa"/> uses for float logits with <paramref name="classes"/> classes:
    /// 256 (AVX2), 128 (portable / AdvSimd), 0 (scalar: Reference, or fewer classes than lanes).
    /// </summary>
    public static int VectorBits(KernelIsa isa, int classes) => isa switch
    {
        KernelIsa.Reference => 0,
        KernelIsa.Avx2 => classes >= 8 ? 256 : classes >= 4 ? 128 : 0,
        _ => classes >= 4 ? 128 : 0,
    };

    /// <summary>Winners of <paramref name="pixels"/> pixels of <paramref name="classes"/> logits each (channels last).</summary>
    public static void Compute<T>(KernelIsa isa, ReadOnlySpan<T> logits, int pixels, int classes, Span<byte> winners)
        where T : unmanaged, INumberBase<T>
    {
        if (classes is < 1 or >= None) throw new ArgumentOutOfRangeException(nameof(classes), $"clear winners need 1..{None - 1} classes");
        if (logits.Length < (long)pixels * classes) throw new ArgumentException("logits are shorter than pixels * classes", nameof(logits));
        if (winners.Length < pixels) throw new ArgumentException("winners are shorter than pixels", nameof(winners));
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> f = MemoryMarshal.Cast<T, float>(logits);
            switch (VectorBits(isa, classes))
            {
                case 256: fixed (float* p = f) fixed (byte* w = winners) Float256(p, pixels, classes, w); return;
                case 128: fixed (float* p = f) fixed (byte* w = winners) Float128(p, pixels, classes, w); return;
            }
        }
        Scalar(logits, pixels, classes, winners);
    }

    /// <summary>The definition: first maximum (as the arg-max does), then every other class strictly below it.</summary>
    internal static void Scalar<T>(ReadOnlySpan<T> logits, int pixels, int classes, Span<byte> winners)
        where T : unmanaged, INumberBase<T>
    {
        for (int p = 0; p < pixels; p++)
        {
            ReadOnlySpan<T> a = logits.Slice(p * classes, classes);
            int best = 0;
            double bestV = double.CreateTruncating(a[0]);
            for (int c = 1; c < classes; c++)
            {
                double v = double.CreateTruncating(a[c]);
                if (v > bestV) { bestV = v; best = c; }
            }
            bool clear = !double.IsNaN(bestV);
            for (int c = 0; c < classes && clear; c++)
                if (c != best && !(double.CreateTruncating(a[c]) < bestV)) clear = false;
            winners[p] = clear ? (byte)best : None;
        }
    }

    // Vector forms: the maximum over (overlapping) whole vectors, NaN-propagating (Vector*.Max follows Math.Max), then
    // the lanes equal to it counted over non-overlapping lanes: exactly one means a clear winner; a NaN maximum matches
    // no lane, so NaN gives None as in Scalar.
    private static void Float256(float* logits, int pixels, int classes, byte* winners)
    {
        const int L = 8;
        int full = classes / L * L, tail = classes - L;
        // Lanes of the tail vector (channels tail..classes-1) that the whole vectors did not already cover.
        uint tailMask = full == classes ? 0u : ~0u << (full - tail);
        bool narrow = classes <= 64;
        ulong all = classes == 64 ? ~0ul : (1ul << classes) - 1;
        int guess = 0;
        for (int px = 0; px < pixels; px++)
        {
            float* p = logits + (long)px * classes;
            if (narrow)
            {
                // Neighbours mostly share their winner: first test the last one found, with no reduction. It is clear
                // here iff every other class is below it (a NaN anywhere fails, as it has no lane below or above it).
                Vector256<float> g = Vector256.Create(p[guess]);
                ulong below = 0;
                for (int k = 0; k < full; k += L) below |= (ulong)Vector256.LessThan(Vector256.Load(p + k), g).ExtractMostSignificantBits() << k;
                if (tailMask != 0) below |= (ulong)Vector256.LessThan(Vector256.Load(p + tail), g).ExtractMostSignificantBits() << tail;
                if ((~below & all) == 1ul << guess) { winners[px] = (byte)guess; continue; }
            }
            Vector256<float> m = Vector256.Load(p);
            for (int k = L; k < full; k += L) m = Vector256.Max(m, Vector256.Load(p + k));
            if (tailMask != 0) m = Vector256.Max(m, Vector256.Load(p + tail));
            Vector128<float> h = Vector128.Max(m.GetLower(), m.GetUpper());
            h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
            h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
            Vector256<float> s = Vector256.Create(h.ToScalar());
            if (narrow)
            {
                // Up to 64 classes: one bit per class (the overlapping tail sets the same bits again), no branches.
                ulong bits = 0;
                for (int k = 0; k < full; k += L) bits |= (ulong)Vector256.Equals(Vector256.Load(p + k), s).ExtractMostSignificantBits() << k;
                if (tailMask != 0) bits |= (ulong)Vector256.Equals(Vector256.Load(p + tail), s).ExtractMostSignificantBits() << tail;
                winners[px] = BitOperations.PopCount(bits) == 1 ? (byte)BitOperations.TrailingZeroCount(bits) : None;
                if (winners[px] != None) guess = winners[px];
                continue;
            }
            int count = 0, first = -1;
            for (int k = 0; k < full; k += L)
            {
                uint bits = Vector256.Equals(Vector256.Load(p + k), s).ExtractMostSignificantBits();
                if (bits != 0 && first < 0) first = k + BitOperations.TrailingZeroCount(bits);
                count += BitOperations.PopCount(bits);
            }
            if (tailMask != 0)
            {
                uint bits = Vector256.Equals(Vector256.Load(p + tail), s).ExtractMostSignificantBits() & tailMask;
                if (bits != 0 && first < 0) first = tail + BitOperations.TrailingZeroCount(bits);
                count += BitOperations.PopCount(bits);
            }
            winners[px] = count == 1 ? (byte)first : None;
        }
    }

    private static void Float128(float* logits, int pixels, int classes, byte* winners)
    {
        const int L = 4;
        int full = classes / L * L, tail = classes - L;
        uint tailMask = full == classes ? 0u : (~0u << (full - tail)) & 0xF;
        bool narrow = classes <= 64;
        ulong all = classes == 64 ? ~0ul : (1ul << classes) - 1;
        int guess = 0;
        for (int px = 0; px < pixels; px++)
        {
            float* p = logits + (long)px * classes;
            if (narrow)
            {
                // Neighbours mostly share their winner: first test the last one found, with no reduction. It is clear
                // here iff every other class is below it (a NaN anywhere fails, as it has no lane below or above it).
                Vector128<float> g = Vector128.Create(p[guess]);
                ulong below = 0;
                for (int k = 0; k < full; k += L) below |= (ulong)Vector128.LessThan(Vector128.Load(p + k), g).ExtractMostSignificantBits() << k;
                if (tailMask != 0) below |= (ulong)Vector128.LessThan(Vector128.Load(p + tail), g).ExtractMostSignificantBits() << tail;
                if ((~below & all) == 1ul << guess) { winners[px] = (byte)guess; continue; }
            }
            Vector128<float> m = Vector128.Load(p);
            for (int k = L; k < full; k += L) m = Vector128.Max(m, Vector128.Load(p + k));
            if (tailMask != 0) m = Vector128.Max(m, Vector128.Load(p + tail));
            m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
            m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
            Vector128<float> s = Vector128.Create(m.ToScalar());
            if (narrow)
            {
                // Up to 64 classes: one bit per class (the overlapping tail sets the same bits again), no branches.
                ulong bits = 0;
                for (int k = 0; k < full; k += L) bits |= (ulong)Vector128.Equals(Vector128.Load(p + k), s).ExtractMostSignificantBits() << k;
                if (tailMask != 0) bits |= (ulong)Vector128.Equals(Vector128.Load(p + tail), s).ExtractMostSignificantBits() << tail;
                winners[px] = BitOperations.PopCount(bits) == 1 ? (byte)BitOperations.TrailingZeroCount(bits) : None;
                if (winners[px] != None) guess = winners[px];
                continue;
            }
            int count = 0, first = -1;
            for (int k = 0; k < full; k += L)
            {
                uint bits = Vector128.Equals(Vector128.Load(p + k), s).ExtractMostSignificantBits();
                if (bits != 0 && first < 0) first = k + BitOperations.TrailingZeroCount(bits);
                count += BitOperations.PopCount(bits);
            }
            if (tailMask != 0)
            {
                uint bits = Vector128.Equals(Vector128.Load(p + tail), s).ExtractMostSignificantBits() & tailMask;
                if (bits != 0 && first < 0) first = tail + BitOperations.TrailingZeroCount(bits);
                count += BitOperations.PopCount(bits);
            }
            winners[px] = count == 1 ? (byte)first : None;
        }
    }
}
