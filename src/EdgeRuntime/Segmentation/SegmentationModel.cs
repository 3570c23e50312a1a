using EdgeRuntime.Preprocessing;
using EdgeRuntime.Graph;

namespace EdgeRuntime.Segmentation;

/// <summary>What a segmentation model's output tensor holds.</summary>
internal enum SegmentationOutputKind
{
    /// <summary>[1, H, W] int32/int64 class ids (an ARG_MAX inside the model).</summary>
    ClassIds,
    /// <summary>[1, h, w, C] logits (float32, uint8 or int8) to upsample and arg-max.</summary>
    Logits,
}

/// <summary>
/// Reads a model's input and output tensors and says how to feed it and how to read it: the input's own type,
/// quantization and size decide the preprocessing (feeding the wrong range is how a float->int8 DeepLab once
/// "output all zeros").
/// </summary>
internal sealed class SegmentationModel
{
    private SegmentationModel(ModelGraph graph, InputSpec input, SegmentationOutputKind kind, int outH, int outW, int classes)
    {
        Graph = graph;
        Input = input;
        OutputKind = kind;
        OutputHeight = outH;
        OutputWidth = outW;
        ClassCount = classes;
    }

    public ModelGraph Graph { get; }
    public InputSpec Input { get; }
    public SegmentationOutputKind OutputKind { get; }
    public int OutputHeight { get; }
    public int OutputWidth { get; }
    public int ClassCount { get; }
    public TensorType OutputType => Graph.Output().Type;

    /// <summary>
    /// The evaluation protocol of ../shared/golden: 513x513 DeepLab models take the image top-left on a padded
    /// canvas (DeepLab's own eval); other sizes take the whole image resized.
    /// </summary>
    public FitMode DefaultFitMode => Input.Width == 513 && Input.Height == 513 ? FitMode.PadTopLeft : FitMode.Resize;

    public static SegmentationModel Describe(ModelGraph graph)
    {
        if (graph.Inputs.Length != 1 || graph.Outputs.Length != 1)
            throw new ModelFormatException($"a segmentation model needs one input and one output, this one has {graph.Inputs.Length} and {graph.Outputs.Length}");
        TensorInfo input = graph.Input();
        if (input.Rank != 4 || input.Shape[0] != 1 || input.Shape[3] != 3)
            throw new ModelFormatException($"input {input} is not an image tensor [1, H, W, 3]");
        InputSpec spec = input.Type switch
        {
            TensorType.Float32 => InputSpec.Float32(input.Shape[2], input.Shape[1]),
            TensorType.UInt8 or TensorType.Int8 when input.Quantization is { IsPerChannel: false } q =>
                InputSpec.Quantized(input.Shape[2], input.Shape[1],
                    input.Type == TensorType.UInt8 ? InputElementType.UInt8 : InputElementType.Int8, q.Scale, q.ZeroPoint),
            _ => throw new ModelFormatException($"input {input} must be float32, or uint8/int8 with per-tensor quantization"),
        };

        TensorInfo output = graph.Output();
        if (output.Type is TensorType.Int64 or TensorType.Int32 && output.Rank == 3 && output.Shape[0] == 1)
        {
            int classes = ArgMaxClassCount(graph, output) ?? 256;
            return new SegmentationModel(graph, spec, SegmentationOutputKind.ClassIds, output.Shape[1], output.Shape[2], classes);
        }
        if (output.Type is TensorType.Float32 or TensorType.UInt8 or TensorType.Int8 && output.Rank == 4 && output.Shape[0] == 1)
        {
            if (output.Type != TensorType.Float32 && output.Quantization is not { IsPerChannel: false, Scale: > 0 })
                throw new ModelFormatException($"quantized logits {output} need a positive per-tensor scale");
            return new SegmentationModel(graph, spec, SegmentationOutputKind.Logits, output.Shape[1], output.Shape[2], output.Shape[3]);
        }
        throw new ModelFormatException($"output {output} is neither class ids [1, H, W] nor logits [1, h, w, C]");
    }

    private static int? ArgMaxClassCount(ModelGraph graph, TensorInfo output)
    {
        foreach (var node in graph.Operators)
            if (node.Op == BuiltinOperator.ArgMax && node.Outputs[0] == output.Index)
                return graph.Tensors[node.Inputs[0]].Shape[^1];
        return null;
    }
}
