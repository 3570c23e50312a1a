using System.Globalization;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;

namespace EdgeRuntime.Quantization;

/// <summary>One row of the per-layer report: signal-to-quantization-noise ratio of an int8 tensor vs its float twin.</summary>
public sealed record LayerError(string Tensor, string Op, double SqnrDb, double MaxAbsError);

/// <summary>
/// Runs the float and the quantized model on the same inputs (all intermediates preserved) and measures, per
/// quantized activation, SQNR = 10 log10(sum f^2 / sum (f - dequant(q))^2) over all given samples.
/// </summary>
internal static class ErrorReport
{
    public static List<LayerError> Measure(QuantizationResult r, ICalibrationSource samples, int count)
    {
        var fi = Interpreter.Create(r.FloatModel, new InterpreterOptions { PreserveAllTensors = true });
        var qi = Interpreter.Create(r.QuantizedModel, new InterpreterOptions { PreserveAllTensors = true });
        int n = r.QuantizedActivations.Count;
        var signal = new double[n];
        var noise = new double[n];
        var maxErr = new double[n];
        int qInput = r.QuantizedModel.Inputs[0];
        TensorInfo qIn = r.QuantizedModel.Tensors[qInput];
        float[] floatInput = new float[r.FloatModel.Input().ElementCount];
        for (int s = 0; s < Math.Min(count, samples.Count); s++)
        {
            samples.Fill(s, fi.InputBytes());
            fi.Invoke();
            if (qIn.Type == TensorType.Float32) samples.Fill(s, qi.InputBytes());
            else
            {
                samples.Fill(s, MemoryMarshal.AsBytes(floatInput.AsSpan()));
                QuantizeInput(floatInput, qIn, qi.InputBytes());
            }
            qi.Invoke();
            for (int k = 0; k < n; k++)
            {
                var (ft, qt, _) = r.QuantizedActivations[k];
                ReadOnlySpan<float> f = MemoryMarshal.Cast<byte, float>(fi.TensorBytes(ft));
                ReadOnlySpan<sbyte> q = MemoryMarshal.Cast<byte, sbyte>(qi.TensorBytes(qt));
                QuantizationInfo info = r.QuantizedModel.Tensors[qt].Quantization!;
                float scale = info.Scale;
                int zp = info.ZeroPoint;
                double sig = 0, noi = 0, mx = 0;
                for (int i = 0; i < f.Length; i++)
                {
                    double d = f[i] - scale * (q[i] - zp);
                    sig += (double)f[i] * f[i];
                    noi += d * d;
                    mx = Math.Max(mx, Math.Abs(d));
                }
                signal[k] += sig;
                noise[k] += noi;
                maxErr[k] = Math.Max(maxErr[k], mx);
            }
        }
        var rows = new List<LayerError>();
        for (int k = 0; k < n; k++)
        {
            var (ft, _, op) = r.QuantizedActivations[k];
            double sqnr = noise[k] == 0 ? double.PositiveInfinity : 10 * Math.Log10(Math.Max(signal[k], 1e-30) / noise[k]);
            rows.Add(new LayerError(r.FloatModel.Tensors[ft].Name, op, sqnr, maxErr[k]));
        }
        return rows.OrderBy(x => x.SqnrDb).ThenBy(x => x.Tensor, StringComparer.Ordinal).ToList();
    }

    /// <summary>TFLite QUANTIZE arithmetic for a quantized model input (float -> uint8/int8).</summary>
    public static void QuantizeInput(ReadOnlySpan<float> x, TensorInfo input, Span<byte> dst)
    {
        QuantizationInfo q = input.Quantization!;
        int lo = input.Type == TensorType.UInt8 ? 0 : -128;
        for (int i = 0; i < x.Length; i++)
        {
            int v = (int)MathF.Round(x[i] / q.Scale, MidpointRounding.AwayFromZero) + q.ZeroPoint;
            dst[i] = unchecked((byte)Math.Clamp(v, lo, lo + 255));
        }
    }

    public static void Print(TextWriter w, IReadOnlyList<LayerError> rows, int samples)
    {
        w.WriteLine($"per-layer SQNR of int8 activations vs float ({samples} image(s)), worst first:");
        w.WriteLine($"{"SQNR dB",8}  {"max |err|",10}  {"operator",-24}  tensor");
        foreach (LayerError e in rows)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.SqnrDb,8:F2}  {e.MaxAbsError,10:G4}  {e.Op,-24}  {e.Tensor}"));
    }
}
