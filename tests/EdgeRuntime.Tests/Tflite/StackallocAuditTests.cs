using System.Text.RegularExpressions;

namespace EdgeRuntime.Tests.Tflite;

/// <summary>
/// Issue 11, item 5: a model must never size a stackalloc (a negative or huge one is an uncatchable stack overflow). Every
/// stackalloc in src is listed here with what bounds it; a new one fails this test until it is reviewed and added.
/// </summary>
public class StackallocAuditTests
{
    /// <summary>(file, stackalloc expression) -> why its size is bounded by a constant.</summary>
    private static readonly Dictionary<(string File, string Expression), string> Reviewed = new()
    {
        [("EdgeRuntime/Runtime/ParallelWork.cs", "stackalloc long[64]")] = "constant; more threads use the heap",
        [("EdgeRuntime/Segmentation/LogitsArgMax.cs", "stackalloc double[MaxClasses + 8]")] = "constant (Run refuses more than 256 classes)",
        [("EdgeRuntime/Kernels/Depthwise/DepthwiseConv.cs", "stackalloc byte*[MaxTaps + 1]")] = "constant (Pack and the operator refuse more taps)",
        [("EdgeRuntime/Kernels/Depthwise/DepthwiseConv.cs", "stackalloc long[MaxTaps]")] = "constant",
        [("EdgeRuntime/Kernels/Depthwise/DepthwiseConv.cs", "stackalloc int[CB]")] = "constant",
        [("EdgeRuntime/Kernels/Depthwise/DepthwiseRowDriver.cs", "stackalloc byte[9 * C]")] =
            "callers run the driver only when StackBytes <= MaxStackBytes (48 KiB); DepthwiseConv2DOperator picks the kernel only where (10 + 4 dilation) x C is an int32 and the reader caps dilation",
        [("EdgeRuntime/Kernels/Depthwise/DepthwiseRowDriver.cs", "stackalloc byte[padBytes]")] = "as above: part of StackBytes",
        [("EdgeRuntime/Kernels/Requantization/Requantizer.cs", "stackalloc byte[16]")] = "constant",
        [("EdgeRuntime/Kernels/Resize/ResizeBilinearArgMaxKernels.cs", "stackalloc int[]")] = "constant initializer of 2",
        [("EdgeRuntime/Kernels/Gemm/VnniGemm.cs", "stackalloc byte*[MR]")] = "constant",
        [("EdgeRuntime/Kernels/Gemm/VnniGemm.cs", "stackalloc byte[MR * 16]")] = "constant",
        [("EdgeRuntime/Kernels/Gemm/VnniGemm.cs", "stackalloc int[MR]")] = "constant",
        [("EdgeRuntime/Kernels/Gemm/VnniGemm.cs", "stackalloc int[MR * NR]")] = "constant",
        [("EdgeRuntime/Kernels/Gemm/VnniGemm.cs", "stackalloc byte[NR]")] = "constant",
        [("EdgeRuntime/Kernels/Gemm/FastQuantizedGemm.cs", "stackalloc int[mr * NC]")] = "mr is the tile's static MR, NC a constant",
        [("EdgeRuntime/Kernels/Gemm/FastQuantizedGemm.cs", "stackalloc byte*[mr]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/FastQuantizedGemm.cs", "stackalloc byte[mr * 16]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/FastQuantizedGemm.cs", "stackalloc int[mr]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc byte*[DotMR]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc byte[DotMR * 16]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc int[DotMR]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc byte[DotMR * DotNR]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc byte*[NeonMR]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc byte[NeonMR * 16]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc int[NeonMR]")] = "tile constant",
        [("EdgeRuntime/Kernels/Gemm/ArmGemm.cs", "stackalloc byte[16]")] = "constant",
        [("EdgeRuntime/Kernels/Reference/AveragePool2DReference.cs", "stackalloc int[Math.Min(Tranche, depth)]")] = "at most Tranche (512); depth >= 1 is checked at Prepare",
        [("EdgeRuntime/Kernels/Reference/AveragePool2DReference.cs", "stackalloc float[Math.Min(Tranche, depth)]")] = "at most Tranche (512)",
        [("EdgeRuntime/Kernels/Reference/DepthwiseConv2DReference.cs", "stackalloc int[Math.Min(Tranche, outDepth)]")] = "at most Tranche (512)",
        [("EdgeRuntime/Kernels/Reference/DepthwiseConv2DReference.cs", "stackalloc float[Math.Min(Tranche, outDepth)]")] = "at most Tranche (512)",
        [("EdgeRuntime.Tools/Onnx/ProtoWriter.cs", "stackalloc byte[max]")] = "only when max <= 256",
        [("Camera/Imaging/PngFile.cs", "stackalloc char[4]")] = "constant",
        [("Camera/Imaging/PngEncoder.cs", "stackalloc byte[13]")] = "constant",
        [("Camera/Imaging/PngEncoder.cs", "stackalloc byte[4]")] = "constant",
        [("EdgeRuntime.Daemon/WebConsole/ConsoleToken.cs", "stackalloc byte[256]")] = "constant; longer candidates are refused before it",
    };

    [Fact]
    public void EveryStackallocInSrcIsReviewedAndBoundedByAConstant()
    {
        string src = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src"));
        Assert.True(Directory.Exists(src), src);
        var unreviewed = new List<string>();
        foreach (string file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(src, file).Replace('\\', '/');
            if (rel.Contains("/obj/", StringComparison.Ordinal) || rel.Contains("/bin/", StringComparison.Ordinal)) continue;
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"stackalloc\s+[\w\*]+\s*\[[^\]]*\]"))
            {
                string expression = Regex.Replace(m.Value, @"\s+", " ");
                if (!Reviewed.ContainsKey((rel, expression))) unreviewed.Add($"{rel}: {expression}");
            }
        }
        Assert.True(unreviewed.Count == 0, "stackalloc not reviewed (bound it by a constant, then list it here):\n" + string.Join("\n", unreviewed));
    }
}
