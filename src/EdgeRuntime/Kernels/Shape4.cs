using System.Runtime.CompilerServices;

namespace EdgeRuntime.Kernels;

/// <summary>An NHWC shape of rank 4 (lower ranks are extended with leading 1s, as TFLite's RuntimeShape does).</summary>
internal readonly record struct Shape4(int N, int H, int W, int C)
{
    public static Shape4 From(ReadOnlySpan<int> dims)
    {
        if (dims.Length > 4) throw new ArgumentException($"rank {dims.Length} is more than 4");
        Span<int> d = [1, 1, 1, 1];
        dims.CopyTo(d[(4 - dims.Length)..]);
        return new Shape4(d[0], d[1], d[2], d[3]);
    }

    public int FlatSize => N * H * W * C;

    public int this[int i] => i switch { 0 => N, 1 => H, 2 => W, 3 => C, _ => throw new IndexOutOfRangeException() };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Offset(int n, int h, int w, int c) => ((n * H + h) * W + w) * C + c;

    public override string ToString() => $"[{N},{H},{W},{C}]";
}
