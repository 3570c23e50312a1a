namespace EdgeRuntime.Quantization;

/// <summary>Calibration samples: each fills the model's (float32) input tensor.</summary>
public interface ICalibrationSource
{
    int Count { get; }
    string Name(int index);
    /// <summary>Writes sample <paramref name="index"/> into the input tensor bytes (float32, little-endian).</summary>
    void Fill(int index, Span<byte> input);
}

/// <summary>Samples given as float arrays (tests, synthetic data).</summary>
public sealed class ArrayCalibrationSource(IReadOnlyList<float[]> samples) : ICalibrationSource
{
    public int Count => samples.Count;
    public string Name(int index) => $"sample {index}";

    public void Fill(int index, Span<byte> input) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples[index].AsSpan()).CopyTo(input);
}
