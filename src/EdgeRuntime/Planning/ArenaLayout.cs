using EdgeRuntime.Graph;

namespace EdgeRuntime.Planning;

/// <summary>
/// The result of planning a model: where each tensor and each operator's scratch lives in the arena,
/// and the three numbers that tell how good the plan is.
/// </summary>
internal sealed class ArenaLayout
{
    internal ArenaLayout(long arenaBytes, long naiveBytes, long lowerBoundBytes, long[] tensorOffsets, long[] tensorSizes,
        long[] scratchOffsets, long[] scratchSizes, int[] tensorBuffer, BufferRequest[] buffers)
    {
        ArenaBytes = arenaBytes;
        NaiveBytes = naiveBytes;
        LowerBoundBytes = lowerBoundBytes;
        TensorOffsets = tensorOffsets;
        TensorSizes = tensorSizes;
        ScratchOffsets = scratchOffsets;
        ScratchSizes = scratchSizes;
        TensorBuffer = tensorBuffer;
        Buffers = buffers;
    }

    /// <summary>Bytes of the one arena holding every activation and scratch buffer.</summary>
    public long ArenaBytes { get; }
    /// <summary>What giving every activation (and scratch) its own buffer would cost.</summary>
    public long NaiveBytes { get; }
    /// <summary>The largest total of buffers alive at one step: no plan can do better.</summary>
    public long LowerBoundBytes { get; }
    /// <summary>Arena offset per tensor (-1 for constants and unused tensors).</summary>
    public long[] TensorOffsets { get; }
    public long[] TensorSizes { get; }
    public long[] ScratchOffsets { get; }
    public long[] ScratchSizes { get; }
    /// <summary>Buffer id per tensor (-1 for constants); tensors that run in place share a buffer.</summary>
    public int[] TensorBuffer { get; }
    public BufferRequest[] Buffers { get; }

    public double RatioToLowerBound => LowerBoundBytes == 0 ? 1.0 : (double)ArenaBytes / LowerBoundBytes;
}

/// <summary>Turns a graph plus its prepared operators into buffer lifetimes and then an <see cref="ArenaLayout"/>.</summary>
internal static class ArenaPlanner
{
    /// <param name="scratchBytes">Scratch each operator asks for (0 for none).</param>
    /// <param name="inPlaceInput">Per operator: index into its inputs whose buffer the output may reuse, or -1.</param>
    public static ArenaLayout Plan(ModelGraph graph, IReadOnlyList<long> scratchBytes, IReadOnlyList<int> inPlaceInput,
        IMemoryPlanner planner, int alignment, bool preserveAll)
    {
        int opCount = graph.Operators.Length;
        int lastStep = Math.Max(0, opCount - 1);
        int tensorCount = graph.Tensors.Length;
        var first = new int[tensorCount];
        var last = new int[tensorCount];
        Array.Fill(first, -1);
        Array.Fill(last, -1);

        foreach (int input in graph.Inputs)
        {
            first[input] = 0;
            last[input] = Math.Max(last[input], 0);
        }
        for (int step = 0; step < opCount; step++)
        {
            var node = graph.Operators[step];
            foreach (int t in node.Inputs)
            {
                if (t < 0 || graph.Tensors[t].IsConstant) continue;
                if (first[t] < 0)
                    throw new ModelFormatException($"{node}: input tensor {graph.Tensors[t]} is read before any operator writes it");
                last[t] = step;
            }
            foreach (int t in node.Outputs)
            {
                if (first[t] >= 0)
                    throw new ModelFormatException($"{node}: output tensor {graph.Tensors[t]} is written twice (or is a graph input)");
                first[t] = step;
                last[t] = step;
            }
        }
        foreach (int output in graph.Outputs)
        {
            if (first[output] < 0 && !graph.Tensors[output].IsConstant)
                throw new ModelFormatException($"graph output {graph.Tensors[output]} is never written");
            last[output] = lastStep;
        }
        if (preserveAll)
        {
            for (int t = 0; t < tensorCount; t++)
                if (first[t] >= 0) { first[t] = 0; last[t] = lastStep; }
        }

        var isGraphIo = new bool[tensorCount];
        foreach (int t in graph.Inputs) isGraphIo[t] = true;
        foreach (int t in graph.Outputs) isGraphIo[t] = true;

        // One buffer per live tensor, except outputs that take over a dying input's buffer.
        var tensorBuffer = new int[tensorCount];
        Array.Fill(tensorBuffer, -1);
        var buffers = new List<BufferRequest>();
        long naive = 0;
        for (int step = 0; step < opCount; step++)
        {
            var node = graph.Operators[step];
            if (step == 0)
            {
                foreach (int t in graph.Inputs) NewBuffer(t);
            }
            for (int o = 0; o < node.Outputs.Length; o++)
            {
                int t = node.Outputs[o];
                int alias = o == 0 && !preserveAll ? InPlaceCandidate(node, inPlaceInput[step], step) : -1;
                if (alias >= 0)
                {
                    int b = tensorBuffer[alias];
                    tensorBuffer[t] = b;
                    buffers[b] = buffers[b] with { LastStep = Math.Max(buffers[b].LastStep, last[t]) };
                    naive += graph.Tensors[t].ByteSize;
                }
                else
                {
                    NewBuffer(t);
                }
            }
        }
        if (opCount == 0) foreach (int t in graph.Inputs) if (tensorBuffer[t] < 0) NewBuffer(t);

        var scratchBuffer = new int[opCount];
        for (int step = 0; step < opCount; step++)
        {
            scratchBuffer[step] = -1;
            if (scratchBytes[step] > 0)
            {
                scratchBuffer[step] = buffers.Count;
                buffers.Add(new BufferRequest(scratchBytes[step], step, step));
                naive += scratchBytes[step];
            }
        }

        BufferRequest[] requests = [.. buffers];
        MemoryPlan plan = planner.Plan(requests, alignment);
        Validate(requests, plan, alignment);

        var tensorOffsets = new long[tensorCount];
        var tensorSizes = new long[tensorCount];
        for (int t = 0; t < tensorCount; t++)
        {
            tensorOffsets[t] = tensorBuffer[t] >= 0 ? plan.Offsets[tensorBuffer[t]] : -1;
            tensorSizes[t] = tensorBuffer[t] >= 0 ? graph.Tensors[t].ByteSize : 0;
        }
        var scratchOffsets = new long[opCount];
        var scratchSizes = new long[opCount];
        for (int step = 0; step < opCount; step++)
        {
            scratchOffsets[step] = scratchBuffer[step] >= 0 ? plan.Offsets[scratchBuffer[step]] : 0;
            scratchSizes[step] = scratchBytes[step];
        }
        long lowerBound = GreedyBestFitPlanner.LiveSetLowerBound(requests, alignment);
        return new ArenaLayout(plan.ArenaSize, naive, lowerBound, tensorOffsets, tensorSizes, scratchOffsets, scratchSizes, tensorBuffer, requests);

        void NewBuffer(int t)
        {
            if (tensorBuffer[t] >= 0 || graph.Tensors[t].IsConstant) return;
            tensorBuffer[t] = buffers.Count;
            long size = graph.Tensors[t].ByteSize;
            buffers.Add(new BufferRequest(size, first[t], last[t]));
            naive += size;
        }

        // The output may reuse input k's buffer when that input is an activation that dies here, is not
        // graph I/O, is big enough, and no other tensor shares the buffer beyond this step.
        int InPlaceCandidate(OperatorNode node, int k, int step)
        {
            if (k < 0 || k >= node.Inputs.Length) return -1;
            int input = node.Inputs[k];
            if (input < 0 || graph.Tensors[input].IsConstant || isGraphIo[input] || isGraphIo[node.Outputs[0]]) return -1;
            if (last[input] != step || tensorBuffer[input] < 0) return -1;
            if (buffers[tensorBuffer[input]].LastStep != step) return -1;
            for (int i = 0; i < node.Inputs.Length; i++)
                if (i != k && node.Inputs[i] == input) return -1;
            if (graph.Tensors[node.Outputs[0]].ByteSize > buffers[tensorBuffer[input]].Size) return -1;
            return input;
        }
    }

    /// <summary>Checks the planner's answer: aligned, inside the arena, and no two buffers alive together overlap.</summary>
    private static void Validate(BufferRequest[] requests, MemoryPlan plan, int alignment)
    {
        for (int i = 0; i < requests.Length; i++)
        {
            long start = plan.Offsets[i], end = start + requests[i].Size;
            if (start % alignment != 0 || start < 0 || end > plan.ArenaSize)
                throw new InvalidOperationException($"memory plan places buffer {i} at {start} outside the arena or unaligned");
            for (int j = i + 1; j < requests.Length; j++)
            {
                if (!requests[i].OverlapsInTime(requests[j])) continue;
                long s2 = plan.Offsets[j], e2 = s2 + requests[j].Size;
                if (start < e2 && s2 < end && requests[i].Size > 0 && requests[j].Size > 0)
                    throw new InvalidOperationException($"memory plan overlaps buffers {i} and {j} while both are alive");
            }
        }
    }
}
