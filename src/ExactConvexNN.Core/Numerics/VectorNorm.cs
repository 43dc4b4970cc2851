namespace ExactConvexNN.Numerics;

/// <summary>The Euclidean norm of a weight vector, written once for the programs, recovery and the layerwise blocks.</summary>
internal static class VectorNorm
{
    /// <summary>||v||_2 = sqrt(sum v_i^2), summed in order.</summary>
    public static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (var e in v) s += e * e;
        return Math.Sqrt(s);
    }
}
