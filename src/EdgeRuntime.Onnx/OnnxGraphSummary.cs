namespace EdgeRuntime.Onnx;

/// <summary>
/// Reads the node list (op_type, domain) of an ONNX model, e.g. the optimized model ORT wrote through
/// <see cref="OnnxRuntimeSessionSettings.OptimizedModelPath"/>, to see which QDQ groups it fused
/// (QLinearConv, com.microsoft QLinearAdd/QLinearMul/QLinearAveragePool/QLinearConcat, ...).
/// A minimal protobuf reader: ModelProto.graph (7) -> GraphProto.node (1) -> NodeProto.op_type (4) / domain (7).
/// </summary>
public static class OnnxGraphSummary
{
    public static IReadOnlyList<(string OpType, string Domain)> Nodes(ReadOnlySpan<byte> model)
    {
        var result = new List<(string, string)>();
        foreach (var (field, graph) in Fields(model))
        {
            if (field != 7) continue;
            foreach (var (gField, node) in Fields(graph))
            {
                if (gField != 1) continue;
                string op = "", domain = "";
                foreach (var (nField, value) in Fields(node))
                {
                    if (nField == 4) op = System.Text.Encoding.UTF8.GetString(value);
                    else if (nField == 7) domain = System.Text.Encoding.UTF8.GetString(value);
                }
                result.Add((op, domain));
            }
        }
        return result;
    }

    /// <summary>"Conv x3, QuantizeLinear x2" style counts, in first-seen order.</summary>
    public static string Describe(ReadOnlySpan<byte> model)
    {
        var counts = new List<(string Key, int Count)>();
        foreach (var (op, domain) in Nodes(model))
        {
            string key = domain.Length == 0 ? op : $"{domain}.{op}";
            int i = counts.FindIndex(c => c.Key == key);
            if (i < 0) counts.Add((key, 1));
            else counts[i] = (key, counts[i].Count + 1);
        }
        return string.Join(", ", counts.Select(c => $"{c.Key} x{c.Count}"));
    }

    /// <summary>Length-delimited fields of one message (other wire types are skipped).</summary>
    private static List<(int Field, byte[] Value)> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new List<(int, byte[])>();
        int pos = 0;
        while (pos < message.Length)
        {
            ulong tag = ReadVarint(message, ref pos);
            int field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0: ReadVarint(message, ref pos); break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    int len = checked((int)ReadVarint(message, ref pos));
                    fields.Add((field, message.Slice(pos, len).ToArray()));
                    pos += len;
                    break;
                default: throw new InvalidDataException($"wire type {tag & 7} at byte {pos}");
            }
        }
        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }
}
