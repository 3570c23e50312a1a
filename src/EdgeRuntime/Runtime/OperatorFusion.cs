using EdgeRuntime.Graph;

namespace EdgeRuntime.Runtime;

/// <summary>
/// The graph rewrite run before planning: a node whose single output is read by exactly one other node, and by nothing
/// else (not a graph output), is merged with that consumer when the registry has a fused kernel for the pair
/// (<see cref="IFusedOperatorKernel"/>). The fused node takes the consumer's place in the execution order (every input
/// of the producer is written before the producer, hence before the consumer) and reads the producer's inputs followed
/// by the consumer's, the intermediate one replaced by -1 (absent). The intermediate tensor is then neither written nor
/// read, so the planner gives it no memory: that is the point (DeepLab's 5.5 MB upsampled logits before ARG_MAX).
/// Tensors keep their indices; the model's own graph is not modified (ONNX export, the writer and the quantizer keep
/// using it).
/// </summary>
internal static class OperatorFusion
{
    /// <summary>EDGERT_FUSION=0 (or off/false/no) turns fusion off where <see cref="InterpreterOptions.FuseOperators"/> is not set.</summary>
    public const string EnvironmentVariable = "EDGERT_FUSION";

    /// <summary>Whether an interpreter with these options fuses: never when every tensor must survive (their values are the point).</summary>
    public static bool IsEnabled(InterpreterOptions options) =>
        !options.PreserveAllTensors && (options.FuseOperators ?? EnabledByEnvironment(Environment.GetEnvironmentVariable(EnvironmentVariable)));

    public static bool EnabledByEnvironment(string? value) =>
        value?.Trim().ToLowerInvariant() is not ("0" or "off" or "false" or "no");

    public static ModelGraph Apply(ModelGraph graph, OperatorRegistry registry)
    {
        if (registry.FusedKernels.Count == 0) return graph;
        // A fused node may be one side of a later merge (DEPTHWISE_CONV_2D into the MUL+ADD node of the first pass): passes
        // repeat until nothing merges. Each pass removes nodes, so this ends; the bound only guards a faulty kernel.
        for (int pass = 0; pass < 8; pass++)
        {
            ModelGraph next = ApplyOnce(graph, registry);
            if (ReferenceEquals(next, graph)) break;
            graph = next;
        }
        return graph;
    }

    private static ModelGraph ApplyOnce(ModelGraph graph, OperatorRegistry registry)
    {
        OperatorNode[] ops = graph.Operators;
        int[] sole = SoleReaders.Of(graph);

        var replacement = new OperatorNode?[ops.Length];
        var removed = new bool[ops.Length];
        for (int i = 0; i < ops.Length; i++)
        {
            OperatorNode producer = ops[i];
            // One fusion per node: a node already merged into an earlier fused node is not merged again.
            if (replacement[i] is not null || removed[i]) continue;
            int j = sole[i];
            if (j < 0 || replacement[j] is not null) continue;
            int t = producer.Outputs[0];
            OperatorNode consumer = ops[j];
            foreach (IFusedOperatorKernel kernel in registry.FusedKernels)
            {
                if (kernel.Producer != producer.Op || kernel.Consumer != consumer.Op || !kernel.CanFuse(producer, consumer, graph)) continue;
                int[] inputs = [.. producer.Inputs, .. consumer.Inputs.Select(x => x == t ? -1 : x)];
                // Fused nodes list the model nodes they run, flat: a fused node merged again contributes its own.
                replacement[j] = OperatorNode.Fuse(kernel.Name, [.. Parts(producer), .. Parts(consumer)], inputs, consumer.Outputs);
                removed[i] = true;
                break;
            }
        }

        if (!removed.Contains(true)) return graph;
        var fused = new List<OperatorNode>(ops.Length);
        for (int i = 0; i < ops.Length; i++)
            if (!removed[i]) fused.Add(replacement[i] ?? ops[i]);
        return new ModelGraph(graph.Tensors, [.. fused], graph.Inputs, graph.Outputs, graph.Description, graph.SchemaVersion, graph.FileBytes);
    }

    private static IEnumerable<OperatorNode> Parts(OperatorNode node) => node.IsFused ? node.FusedNodes : [node];

    /// <summary>The fused node that computes <paramref name="tensor"/> internally without storing it, or null.</summary>
    public static OperatorNode? FusedAway(ModelGraph graph, int tensor)
    {
        foreach (OperatorNode node in graph.Operators)
            for (int k = 0; k < node.FusedNodes.Count - 1; k++)
                if (node.FusedNodes[k].Outputs.Contains(tensor)) return node;
        return null;
    }
}
