using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeRuntime.Graph;
using EdgeRuntime.Tflite;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Tflite;

/// <summary>
/// Corrupted real models must either load or fail with ModelFormatException: no other exception, no hang,
/// no allocation out of proportion to the file. Deterministic seeds; 4 models x 2800 cases = 11,200 cases.
/// </summary>
public class TfliteFuzzTests(ITestOutputHelper output)
{
    private const int CasesPerModel = 2800;

    public static TheoryData<string, int> Models() => new()
    {
        { SharedData.CoralDm05, 101 },
        { SharedData.TocoDm05, 202 },
        { SharedData.HubInt8Dm05, 303 },
        { SharedData.MediapipeSelfie, 404 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CorruptedModelsLoadOrFailWithModelFormatException(string model, int seed)
    {
        byte[] original = File.ReadAllBytes(SharedData.Model(model));
        int[] structure = StructurePositions(original);
        // A hang fails the test instead of stalling the run.
        Stats stats = await Task.Run(() => Fuzz(original, structure, seed)).WaitAsync(TimeSpan.FromSeconds(120));

        output.WriteLine($"{model}: {stats.Loaded} loaded, {stats.Rejected} rejected, slowest case {stats.SlowestMs:F1} ms, " +
                         $"most allocated {stats.MostAllocated / 1024} kB, total {stats.Elapsed.TotalSeconds:F1} s");
        foreach (var m in stats.Messages.OrderByDescending(m => m.Value).Take(25)) output.WriteLine($"  {m.Value,5} {m.Key}");
        Assert.True(stats.Problems.Count == 0, string.Join("\n", stats.Problems.Take(10)));
        Assert.Equal(CasesPerModel, stats.Loaded + stats.Rejected);
        // Both outcomes occur, so the mutations reach the structure and not only weight bytes.
        Assert.True(stats.Rejected > CasesPerModel / 4, $"only {stats.Rejected} rejected");
        Assert.True(stats.Loaded > CasesPerModel / 20, $"only {stats.Loaded} loaded");
    }

    private sealed class Stats
    {
        public int Loaded, Rejected;
        public double SlowestMs;
        public long MostAllocated;
        public TimeSpan Elapsed;
        public List<string> Problems { get; } = [];
        public Dictionary<string, int> Messages { get; } = [];
    }

    /// <summary>
    /// File positions of the FlatBuffer structure (tables, vtables, offsets, vector lengths, names): everything
    /// except constant tensor data and the elements of quantization scale/zero-point arrays, which in per-channel
    /// models would otherwise soak up most of the mutations.
    /// </summary>
    private static int[] StructurePositions(byte[] file)
    {
        ModelGraph g = TfliteModelReader.Read(file);
        var skip = new bool[file.Length];
        foreach (TensorInfo t in g.Tensors.Where(t => t.IsConstant))
        {
            Assert.True(MemoryMarshal.TryGetArray(t.ConstantData, out ArraySegment<byte> seg));
            skip.AsSpan(seg.Offset, seg.Count).Fill(true);
        }
        FbTable subgraph = new FlatBufferReader(file, long.MaxValue).Root("")
            .Vector(TfliteSchema.Model.Subgraphs, "subgraphs", 4).Table(0);
        FbVector tensors = subgraph.Vector(TfliteSchema.SubGraph.Tensors, "tensors", 4);
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors.Table(i).Table(TfliteSchema.Tensor.Quantization, "quantization") is not { } q) continue;
            foreach (var (id, size) in new[] { (TfliteSchema.Quantization.Scale, 4), (TfliteSchema.Quantization.ZeroPoint, 8),
                                                (TfliteSchema.Quantization.Min, 4), (TfliteSchema.Quantization.Max, 4) })
            {
                FbVector v = q.Vector(id, "v", size);
                if (v.Count > 1) skip.AsSpan(v.Start, v.Count * size).Fill(true);
            }
        }
        return Enumerable.Range(0, file.Length).Where(i => !skip[i]).ToArray();
    }

    private static Stats Fuzz(byte[] original, int[] structure, int seed)
    {
        var rng = new Random(seed);
        var stats = new Stats();
        byte[] buf = (byte[])original.Clone();
        var changed = new List<int>();
        byte[] special = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];
        var total = Stopwatch.StartNew();

        for (int c = 0; c < CasesPerModel; c++)
        {
            int kind = c % 3;
            int length = buf.Length;
            string what;
            if (kind == 0)
            {
                // 1-16 bit flips, half anywhere, half in the structure.
                int n = rng.Next(1, 17);
                for (int k = 0; k < n; k++)
                {
                    int pos = rng.Next(2) == 0 ? rng.Next(buf.Length) : structure[rng.Next(structure.Length)];
                    changed.Add(pos);
                    buf[pos] ^= (byte)(1 << rng.Next(8));
                }
                what = $"bit flips at {string.Join(',', changed)}";
            }
            else if (kind == 1)
            {
                // 1-8 byte overwrites in the header and the tables/vtables, often with boundary values.
                int n = rng.Next(1, 9);
                for (int k = 0; k < n; k++)
                {
                    int pos = rng.Next(4) == 0 ? rng.Next(Math.Min(64, buf.Length)) : structure[rng.Next(structure.Length)];
                    changed.Add(pos);
                    buf[pos] = rng.Next(2) == 0 ? special[rng.Next(special.Length)] : (byte)rng.Next(256);
                }
                what = $"overwrites at {string.Join(',', changed)}";
            }
            else
            {
                // Truncation, a third of them within the first 4 kB.
                length = rng.Next(3) == 0 ? rng.Next(Math.Min(4096, buf.Length)) : rng.Next(buf.Length);
                what = $"truncated to {length}";
            }

            long allocBefore = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                ModelGraph g = TfliteModelReader.Read(buf.AsMemory(0, length));
                stats.Loaded++;
                // Whatever we accept we can also write and read back (checked on a sample: writing costs a copy).
                if (stats.Loaded % 16 == 0) TfliteModelReader.Read(TfliteModelWriter.Write(g));
            }
            catch (ModelFormatException e)
            {
                stats.Rejected++;
                string key = System.Text.RegularExpressions.Regex.Replace(e.Message, @"-?\d+", "N");
                stats.Messages[key] = stats.Messages.GetValueOrDefault(key) + 1;
            }
            catch (Exception e)
            {
                stats.Problems.Add($"seed {seed} case {c} ({what}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocBefore;
            stats.SlowestMs = Math.Max(stats.SlowestMs, ms);
            stats.MostAllocated = Math.Max(stats.MostAllocated, allocated);
            if (allocated > 8L * original.Length + (1 << 20))
                stats.Problems.Add($"seed {seed} case {c} ({what}): allocated {allocated} bytes for a {original.Length}-byte file");

            foreach (int pos in changed) buf[pos] = original[pos];
            changed.Clear();
        }
        stats.Elapsed = total.Elapsed;
        return stats;
    }
}
