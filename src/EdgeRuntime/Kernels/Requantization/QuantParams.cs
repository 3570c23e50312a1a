namespace EdgeRuntime.Kernels.Requantization;

/// <summary>The element type of a quantized kernel's activations and weights.</summary>
internal enum QuantType : byte
{
    /// <summary>uint8 activations and uint8 weights with a filter zero point (the legacy TFLite scheme).</summary>
    UInt8,
    /// <summary>int8 activations and int8 weights (TFLite per-channel symmetric; a filter zero point is still honoured).</summary>
    Int8,
}

/// <summary>
/// Quantization of one convolution-like op: zero points, the clamp (already combined with the fused
/// activation) and the per-output-channel fixed-point multipliers from <see cref="FixedPoint.QuantizeMultiplier"/>.
/// <see cref="Multiplier"/> and <see cref="Shift"/> have one entry per output channel, or a single entry for per-tensor.
/// </summary>
internal sealed class QuantParams
{
    public required QuantType Type { get; init; }
    public required int InputZeroPoint { get; init; }
    public int FilterZeroPoint { get; init; }
    public required int OutputZeroPoint { get; init; }
    public required int OutputMin { get; init; }
    public required int OutputMax { get; init; }
    public required int[] Multiplier { get; init; }
    public required int[] Shift { get; init; }

    /// <summary>
    /// How accumulators are scaled (chosen by the <see cref="QuantizedRoundingPolicy"/> of the op and type).
    /// Every variant implements every mode bit-exactly with <see cref="Requantize.Apply"/>.
    /// </summary>
    public RequantizeRounding Rounding { get; init; } = RequantizeRounding.DoubleAwayFromZero;

    public int TypeMin => Type == QuantType.UInt8 ? 0 : -128;
    public int TypeMax => Type == QuantType.UInt8 ? 255 : 127;

    public int MultiplierAt(int channel) => Multiplier.Length == 1 ? Multiplier[0] : Multiplier[channel];
    public int ShiftAt(int channel) => Shift.Length == 1 ? Shift[0] : Shift[channel];

    /// <summary>Throws <see cref="ArgumentException"/> if these parameters cannot be run for <paramref name="channels"/> outputs.</summary>
    public void Validate(int channels)
    {
        if (Multiplier.Length != 1 && Multiplier.Length != channels)
            throw new ArgumentException($"{Multiplier.Length} multipliers for {channels} output channels");
        if (Shift.Length != Multiplier.Length)
            throw new ArgumentException($"{Shift.Length} shifts for {Multiplier.Length} multipliers");
        if (OutputMin < TypeMin || OutputMax > TypeMax || OutputMin > OutputMax)
            throw new ArgumentException($"output clamp [{OutputMin},{OutputMax}] is not inside {Type}");
        if (InputZeroPoint < TypeMin || InputZeroPoint > TypeMax || FilterZeroPoint < TypeMin || FilterZeroPoint > TypeMax
            || OutputZeroPoint < TypeMin || OutputZeroPoint > TypeMax)
            throw new ArgumentException($"a zero point is outside {Type}");
        if (Rounding is not (RequantizeRounding.DoubleAwayFromZero or RequantizeRounding.DoubleUpward or RequantizeRounding.Single))
            throw new ArgumentException($"unknown rounding {(int)Rounding}");
        for (int i = 0; i < Multiplier.Length; i++)
        {
            // int.MinValue is the one multiplier for which SaturatingRoundingDoublingHighMul saturates; QuantizeMultiplier never makes it.
            if (Multiplier[i] == int.MinValue) throw new ArgumentException($"multiplier[{i}] is int.MinValue");
            if (Shift[i] < -31 || Shift[i] > 30) throw new ArgumentException($"shift[{i}] = {Shift[i]} is outside [-31, 30]");
        }
    }
}

/// <summary>
/// Per-channel requantization constants laid out for vector loads: every array is padded to a multiple
/// of 16 channels. <see cref="Bias"/> is what a kernel adds to its raw dot products (zero-point terms folded in).
/// </summary>
internal sealed class RequantTable
{
    public const int Pad = 16;

    /// <param name="windowed">Also build <see cref="Windowed"/> (only the kernels that run it need its tables).</param>
    public RequantTable(QuantParams q, int channels, int[] bias, bool windowed = false)
    {
        q.Validate(channels);
        Channels = channels;
        int padded = (channels + Pad - 1) / Pad * Pad;
        Bias = new int[padded];
        Multiplier = new int[padded];
        LeftShift = new int[padded];
        LeftMul = new int[padded];
        RightShift = new int[padded];
        NegRightShift = new int[padded];
        TotalShift = new int[padded];
        NegTotalShift = new int[padded];
        Mask = new int[padded];
        HalfMask = new int[padded];
        for (int c = 0; c < channels; c++)
        {
            int shift = q.ShiftAt(c);
            int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
            Bias[c] = bias[c];
            Multiplier[c] = q.MultiplierAt(c);
            LeftShift[c] = left;
            LeftMul[c] = 1 << left;
            RightShift[c] = right;
            NegRightShift[c] = -right;
            Mask[c] = (int)((1L << right) - 1);
            HalfMask[c] = Mask[c] >> 1;
            TotalShift[c] = 31 - shift;
            NegTotalShift[c] = shift - 31;
        }
        for (int c = channels; c < padded; c++)
        {
            LeftMul[c] = 1;
            TotalShift[c] = 31;
            NegTotalShift[c] = -31;
        }
        Rounding = q.Rounding;
        RightShiftsOnly = true;
        for (int c = 0; c < channels; c++) RightShiftsOnly &= q.ShiftAt(c) <= -1;
        Windowed = windowed ? WindowedRequant.TryCreate(q, channels, padded) : null;
        OutputZeroPoint = q.OutputZeroPoint;
        Min = q.OutputMin;
        Max = q.OutputMax;
    }

    public int Channels { get; }
    public int[] Bias { get; }
    public int[] Multiplier { get; }
    public int[] LeftShift { get; }
    public int[] LeftMul { get; }
    public int[] RightShift { get; }
    public int[] NegRightShift { get; }
    public int[] Mask { get; }
    public int[] HalfMask { get; }
    /// <summary>Single rounding: the right shift of the 64-bit product, 31 - shift (1..62).</summary>
    public int[] TotalShift { get; }
    public int[] NegTotalShift { get; }
    public RequantizeRounding Rounding { get; }
    /// <summary>Every channel shifts right (shift &lt;= -1, what converters produce): cheaper exact forms apply (see ArmGemm).</summary>
    public bool RightShiftsOnly { get; }
    /// <summary>The same requantization in its cheaper windowed form, when asked for and every channel qualifies (see <see cref="WindowedRequant"/>).</summary>
    public WindowedRequant? Windowed { get; }
    public int OutputZeroPoint { get; }
    public int Min { get; }
    public int Max { get; }

    public long Bytes => 10L * Bias.Length * 4 + (Windowed?.Bytes ?? 0);
}
