namespace EdgeRuntime.Tests.Support;

/// <summary>
/// Locates the read-only reference data beside the checkout (../shared), or where EDGERT_SHARED points.
/// Nothing from there is ever copied into the repository.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Model(string relative) => Path("models", relative);

    public const string CoralDm1 = "coral/deeplabv3_mnv2_pascal_quant.tflite";
    public const string CoralDm05 = "coral/deeplabv3_mnv2_dm05_pascal_quant.tflite";
    public const string CoralCityscapes = "coral/deeplab_mobilenet_edgetpu_slim_cityscapes_quant.tflite";
    public const string TocoDm1 = "coral_toco/deeplabv3_mnv2_pascal_quant.tflite";
    public const string TocoDm05 = "coral_toco/deeplabv3_mnv2_dm05_pascal_quant.tflite";
    public const string HubInt8 = "tfhub/lite-model_deeplabv3-mobilenetv2-int8_1_default_1.tflite";
    public const string HubInt8Dm05 = "tfhub/lite-model_deeplabv3-mobilenetv2_dm05-int8_1_default_2.tflite";
    public const string HubDynamic = "tfhub/lite-model_deeplabv3-mobilenetv2_1_default_1.tflite";
    public const string HubDynamicDm05 = "tfhub/lite-model_deeplabv3-mobilenetv2_dm05_1_default_2.tflite";
    public const string Float257 = "tflite_float/deeplabv3_257_mv_gpu.tflite";
    public const string MediapipeSelfie = "mediapipe/selfie_segmentation.tflite";

    /// <summary>Every model the interpreter must run (mediapipe excluded: it needs a custom op).</summary>
    public static readonly string[] RunnableModels =
        [CoralDm1, CoralDm05, CoralCityscapes, TocoDm1, TocoDm05, HubInt8, HubInt8Dm05, HubDynamic, HubDynamicDm05, Float257];

    private static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("EDGERT_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            if (!Directory.Exists(System.IO.Path.Combine(env, "models")))
                throw new DirectoryNotFoundException($"EDGERT_SHARED={env} has no models/ folder");
            return env;
        }
        // Walk up from the test binary until a sibling "shared" folder with models/ appears.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "models"))) return candidate;
        }
        throw new DirectoryNotFoundException("could not find ../shared (set EDGERT_SHARED to the reference data folder)");
    }
}
