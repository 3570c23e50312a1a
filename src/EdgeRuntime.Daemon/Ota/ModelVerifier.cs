using System.Security.Cryptography;
using EdgeRuntime.Graph;
using EdgeRuntime.Runtime;
using EdgeRuntime.Tflite;

namespace EdgeRuntime.Ota;

/// <summary>The outcome of <see cref="ModelVerifier.Verify"/>: <see cref="Reason"/> is null when the model may be activated.</summary>
public sealed record VerificationResult(string? Reason, long ArenaBytes = 0, bool Permanent = true)
{
    public bool Ok => Reason is null;
}

/// <summary>
/// Checks a downloaded model file against its (already signature-checked) manifest before it is used:
/// length and SHA-256, parses (TfliteModelReader), plans (Interpreter.Create), input/output expectations,
/// arena within the memory budget, golden check.
/// </summary>
internal static class ModelVerifier
{
    public static VerificationResult Verify(byte[] model, ModelManifest manifest, long memoryBudgetBytes, byte[]? goldenInput = null)
    {
        if (model.Length != manifest.Length) return new($"length-mismatch:{model.Length}!={manifest.Length}", Permanent: false);
        string sha = Convert.ToHexStringLower(SHA256.HashData(model));
        if (!string.Equals(sha, manifest.Sha256, StringComparison.OrdinalIgnoreCase)) return new("sha256-mismatch", Permanent: false);

        ModelGraph graph;
        try { graph = TfliteModelReader.Read(model); }
        catch (ModelFormatException ex) { return new("parse-failed:" + Short(ex.Message)); }

        string? shapeError = CheckTensor("input", graph.Inputs.Length > 0 ? graph.Input(0) : null, manifest.Input)
            ?? CheckTensor("output", graph.Outputs.Length > 0 ? graph.Output(0) : null, manifest.Output);
        if (shapeError is not null) return new(shapeError);

        Interpreter interpreter;
        try { interpreter = Interpreter.Create(graph); }
        catch (UnsupportedOperatorException ex) { return new("unsupported-op:" + Short(ex.Message)); }
        catch (ModelFormatException ex) { return new("plan-failed:" + Short(ex.Message)); }
        catch (OutOfMemoryException) { return new("arena-over-budget:out of memory while planning"); }

        long arena = interpreter.Layout.ArenaBytes;
        if (memoryBudgetBytes > 0 && arena > memoryBudgetBytes)
            return new($"arena-over-budget:{arena}>{memoryBudgetBytes}", arena);

        if (manifest.Golden is { } golden)
        {
            string? goldenError;
            try { goldenError = GoldenCheck.Check(interpreter, golden, goldenInput); }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
            {
                goldenError = "golden-error:" + Short(ex.Message);
            }
            if (goldenError is not null) return new(goldenError, arena);
        }
        return new(null, arena);
    }

    public static string TypeName(TensorType type) => type.ToString().ToLowerInvariant();

    private static string? CheckTensor(string what, TensorInfo? tensor, TensorExpectation? expected)
    {
        if (expected is null) return null;
        if (tensor is null) return $"{what}-mismatch:model has no {what}";
        if (!string.Equals(TypeName(tensor.Type), expected.Type, StringComparison.OrdinalIgnoreCase))
            return $"{what}-mismatch:type {TypeName(tensor.Type)} != {expected.Type}";
        bool same = tensor.Shape.Length == expected.Shape.Length;
        for (int i = 0; same && i < expected.Shape.Length; i++)
            same = expected.Shape[i] < 0 || expected.Shape[i] == tensor.Shape[i];
        return same ? null : $"{what}-mismatch:shape [{string.Join(',', tensor.Shape)}] != [{string.Join(',', expected.Shape)}]";
    }

    private static string Short(string s) => s.Length > 160 ? s[..160] : s;
}
