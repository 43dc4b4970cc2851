namespace ExactConvexNN.Solver.Ipm;

/// <summary>Small dense vector kernels shared by the KKT layer and the interior-point method (no allocation).</summary>
internal static class VectorOps
{
    /// <summary>||v||_inf.</summary>
    public static double NormInf(ReadOnlySpan<double> v)
    {
        double m = 0;
        foreach (double x in v) m = Math.Max(m, Math.Abs(x));
        return m;
    }

    /// <summary>||D v||_inf for a diagonal scaling d (or ||v / d||_inf when <paramref name="invert"/>).</summary>
    public static double ScaledNormInf(ReadOnlySpan<double> v, ReadOnlySpan<double> d, bool invert)
    {
        double m = 0;
        for (int i = 0; i < v.Length; i++) m = Math.Max(m, Math.Abs(invert ? v[i] / d[i] : v[i] * d[i]));
        return m;
    }

    /// <summary>x'y.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>y += a x.</summary>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    /// <summary>True when every entry is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<double> v)
    {
        foreach (double x in v) if (!double.IsFinite(x)) return false;
        return true;
    }
}
