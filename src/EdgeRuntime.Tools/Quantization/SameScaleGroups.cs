namespace EdgeRuntime.Quantization;

/// <summary>Union-find over tensor indices: tensors that must share one scale and zero point.</summary>
internal sealed class SameScaleGroups
{
    private readonly int[] _parent;

    public SameScaleGroups(int count)
    {
        _parent = new int[count];
        for (int i = 0; i < count; i++) _parent[i] = i;
    }

    public int Find(int t)
    {
        while (_parent[t] != t)
        {
            _parent[t] = _parent[_parent[t]];
            t = _parent[t];
        }
        return t;
    }

    /// <summary>Joins two groups; the smaller root index wins, so the result does not depend on call order.</summary>
    public void Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra == rb) return;
        if (ra < rb) _parent[rb] = ra;
        else _parent[ra] = rb;
    }
}
