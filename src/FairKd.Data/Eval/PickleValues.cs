namespace FairKd.Data.Eval;

/// <summary>Values the restricted pickle reader builds. Nothing here is ever executed: globals are names, reductions are data.</summary>
internal static class PickleValues
{
    /// <summary>The MARK sentinel on the stack.</summary>
    internal sealed class Mark
    {
        public static readonly Mark Instance = new();
    }

    /// <summary>A pickle tuple (immutable; lists are <see cref="List{T}"/> of object?).</summary>
    internal sealed record Tuple(object?[] Items);

    /// <summary>One of the allowed global names (see <see cref="RestrictedPickleReader"/>).</summary>
    internal sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    /// <summary>numpy.dtype(name, align, copy): only the type name matters.</summary>
    internal sealed record Dtype(string Name);

    /// <summary>An ndarray being rebuilt by _reconstruct then __setstate__ (BUILD).</summary>
    internal sealed class NdArray
    {
        public int[] Shape { get; set; } = [0];
        public Dtype? Dtype { get; set; }
        public byte[]? Data { get; set; }
    }
}
