using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Ota;

/// <summary>
/// The golden check: a deterministic input written straight into the interpreter's input tensor, one Invoke,
/// and the class map of output 0 (argmax ids as bytes, or the argmax over the last axis of logits).
/// Independent of camera preprocessing, so the operator's machine and every device compute the same bytes.
/// </summary>
internal static class GoldenCheck
{
    /// <summary>Fills input 0 from <paramref name="rawInput"/> (exact byte size) or from <paramref name="pattern"/>.</summary>
    public static void FillInput(Interpreter interpreter, string pattern, byte[]? rawInput)
    {
        Span<byte> input = interpreter.InputBytes(0);
        if (rawInput is not null)
        {
            if (rawInput.Length != input.Length)
                throw new InvalidDataException($"golden input is {rawInput.Length} bytes, the model input needs {input.Length}");
            rawInput.CopyTo(input);
            return;
        }
        TensorType type = interpreter.Graph.Input(0).Type;
        if (type == TensorType.Float32)
        {
            var floats = MemoryMarshal.Cast<byte, float>(input);
            var bytes = new byte[floats.Length];
            Generate(pattern, bytes);
            for (int i = 0; i < floats.Length; i++) floats[i] = (bytes[i] - 127.5f) / 127.5f;
            return;
        }
        Generate(pattern, input);
    }

    /// <summary>Deterministic bytes: "xorshift:SEED", "gradient" or "const:V".</summary>
    public static void Generate(string pattern, Span<byte> into)
    {
        if (pattern.StartsWith("xorshift:", StringComparison.Ordinal))
        {
            uint x = uint.Parse(pattern.AsSpan("xorshift:".Length), NumberStyles.Integer, CultureInfo.InvariantCulture);
            if (x == 0) x = 0x9E3779B9u;
            for (int i = 0; i < into.Length; i++)
            {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                into[i] = (byte)(x >> 24);
            }
        }
        else if (pattern == "gradient")
        {
            for (int i = 0; i < into.Length; i++) into[i] = (byte)(i * 7 + (i >> 8));
        }
        else if (pattern.StartsWith("const:", StringComparison.Ordinal))
        {
            into.Fill(byte.Parse(pattern.AsSpan("const:".Length), NumberStyles.Integer, CultureInfo.InvariantCulture));
        }
        else
        {
            throw new InvalidDataException($"unknown golden pattern '{pattern}' (xorshift:SEED, gradient, const:V)");
        }
    }

    /// <summary>The class map of output 0 after Invoke, with its height and width.</summary>
    public static (byte[] Map, int Height, int Width) ClassMap(Interpreter interpreter)
    {
        TensorInfo output = interpreter.Graph.Output(0);
        int[] s = output.Shape;
        ReadOnlySpan<byte> bytes = interpreter.OutputBytes(0);
        switch (output.Type)
        {
            case TensorType.Int64:
            {
                var ids = MemoryMarshal.Cast<byte, long>(bytes);
                var map = new byte[ids.Length];
                for (int i = 0; i < map.Length; i++) map[i] = (byte)Math.Clamp(ids[i], 0, 255);
                return (map, Dim(s, -2), Dim(s, -1));
            }
            case TensorType.Int32:
            {
                var ids = MemoryMarshal.Cast<byte, int>(bytes);
                var map = new byte[ids.Length];
                for (int i = 0; i < map.Length; i++) map[i] = (byte)Math.Clamp(ids[i], 0, 255);
                return (map, Dim(s, -2), Dim(s, -1));
            }
            case TensorType.UInt8:
            case TensorType.Int8:
            case TensorType.Float32:
            {
                int classes = s[^1];
                int positions = (int)(output.ElementCount / classes);
                var map = new byte[positions];
                for (int p = 0; p < positions; p++)
                {
                    int best = 0;
                    double bestValue = double.NegativeInfinity;
                    for (int c = 0; c < classes; c++)
                    {
                        int i = p * classes + c;
                        double v = output.Type switch
                        {
                            TensorType.UInt8 => bytes[i],
                            TensorType.Int8 => (sbyte)bytes[i],
                            _ => MemoryMarshal.Cast<byte, float>(bytes)[i],
                        };
                        if (v > bestValue) { bestValue = v; best = c; }
                    }
                    map[p] = (byte)Math.Min(best, 255);
                }
                return (map, s.Length >= 3 ? s[^3] : 1, s.Length >= 2 ? s[^2] : positions);
            }
            default:
                throw new InvalidDataException($"output {output} has no class map (int32/int64 ids or uint8/int8/float32 logits)");
        }
    }

    private static int Dim(int[] shape, int fromEnd) => shape.Length >= -fromEnd ? shape[shape.Length + fromEnd] : 1;

    /// <summary>Runs the golden input and returns the class map.</summary>
    public static (byte[] Map, int Height, int Width) Run(Interpreter interpreter, string pattern, byte[]? rawInput)
    {
        FillInput(interpreter, pattern, rawInput);
        interpreter.Invoke();
        return ClassMap(interpreter);
    }

    /// <summary>What the operator records at signing time.</summary>
    public static GoldenSpec Record(Interpreter interpreter, string pattern, double minAgreement, bool includeMap)
    {
        var (map, h, w) = Run(interpreter, pattern, null);
        return new GoldenSpec
        {
            Pattern = pattern,
            ExpectedClassMapSha256 = minAgreement > 0 ? null : Convert.ToHexStringLower(SHA256.HashData(map)),
            ExpectedClassMapRle = includeMap || minAgreement > 0 ? Convert.ToBase64String(RunLengthMaskCodec.Encode(map, w, h)) : null,
            MinAgreement = minAgreement,
        };
    }

    /// <summary>Null when the model passes the golden check, else the reason.</summary>
    public static string? Check(Interpreter interpreter, GoldenSpec spec, byte[]? rawInput)
    {
        byte[] map;
        try
        {
            (map, _, _) = Run(interpreter, spec.Pattern, rawInput);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or OverflowException)
        {
            return "golden-error:" + ex.Message;
        }
        if (!string.IsNullOrEmpty(spec.ExpectedClassMapSha256))
        {
            string actual = Convert.ToHexStringLower(SHA256.HashData(map));
            if (!string.Equals(actual, spec.ExpectedClassMapSha256, StringComparison.OrdinalIgnoreCase))
                return $"golden-mismatch:class-map sha256 {actual[..12]} != {spec.ExpectedClassMapSha256[..Math.Min(12, spec.ExpectedClassMapSha256.Length)]}";
        }
        if (spec.MinAgreement > 0)
        {
            if (string.IsNullOrEmpty(spec.ExpectedClassMapRle)) return "golden-error:min_agreement without expected_class_map_rle";
            byte[] expected;
            try { expected = RunLengthMaskCodec.Decode(Convert.FromBase64String(spec.ExpectedClassMapRle), out _, out _); }
            catch (Exception ex) when (ex is FormatException or InvalidDataException or ArgumentException) { return "golden-error:bad expected map: " + ex.Message; }
            if (expected.Length != map.Length) return $"golden-mismatch:class map has {map.Length} positions, expected {expected.Length}";
            int agree = 0;
            for (int i = 0; i < map.Length; i++) if (map[i] == expected[i]) agree++;
            double fraction = map.Length == 0 ? 1 : agree / (double)map.Length;
            if (fraction < spec.MinAgreement)
                return $"golden-mismatch:agreement {fraction.ToString("F4", CultureInfo.InvariantCulture)} < {spec.MinAgreement.ToString("F4", CultureInfo.InvariantCulture)}";
        }
        return null;
    }
}
