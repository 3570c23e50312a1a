namespace EdgeRuntime.Kernels.Reference;

/// <summary>
/// Strides that walk one operand of a broadcasting binary op over the 4-D output (TFLite's NdArrayDesc
/// with NdArrayDescsForElementwiseBroadcast): a dimension of size 1 that the output stretches gets stride 0.
/// </summary>
internal readonly record struct Broadcast4(int N, int H, int W, int C)
{
    /// <summary>Strides of <paramref name="operand"/> inside <paramref name="output"/>. Each operand dim must be 1 or equal the output's.</summary>
    public static Broadcast4 For(Shape4 operand, Shape4 output)
    {
        int sc = 1, sw = operand.C, sh = operand.C * operand.W, sn = operand.C * operand.W * operand.H;
        return new Broadcast4(
            operand.N == output.N ? sn : Check(operand.N, output.N),
            operand.H == output.H ? sh : Check(operand.H, output.H),
            operand.W == output.W ? sw : Check(operand.W, output.W),
            operand.C == output.C ? sc : Check(operand.C, output.C));

        static int Check(int d, int o) => d == 1 ? 0 : throw new ArgumentException($"dimension {d} does not broadcast to {o}");
    }

    public int Offset(int n, int h, int w, int c) => n * N + h * H + w * W + c * C;

    /// <summary>Numpy broadcast of two shapes of rank &lt;= 4 (missing leading dims are 1). Null if they do not broadcast.</summary>
    public static Shape4? BroadcastShape(Shape4 a, Shape4 b)
    {
        static int D(int x, int y) => x == y ? x : x == 1 ? y : y == 1 ? x : -1;
        int n = D(a.N, b.N), h = D(a.H, b.H), w = D(a.W, b.W), c = D(a.C, b.C);
        return n < 0 || h < 0 || w < 0 || c < 0 ? null : new Shape4(n, h, w, c);
    }
}
