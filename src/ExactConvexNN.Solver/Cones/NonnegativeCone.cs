namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// The nonnegative orthant. NT scaling W = diag(sqrt(s/z)), λ = sqrt(s z), W'W = diag(s/z);
/// Jordan product is the elementwise product; barrier f(x) = -Σ log x_i, degree = dimension.
/// </summary>
public sealed class NonnegativeCone : ICone
{
    private readonly double[] _w;

    private NonnegativeCone(int dimension) { _w = new double[dimension]; Array.Fill(_w, 1.0); }

    /// <summary>An orthant of the given dimension (0 allowed), with identity scaling.</summary>
    public static NonnegativeCone Create(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        return new NonnegativeCone(dimension);
    }

    /// <inheritdoc/>
    public int Dimension => _w.Length;
    /// <inheritdoc/>
    public int Degree => _w.Length;
    /// <inheritdoc/>
    public bool HasDiagonalScaling => true;
    /// <inheritdoc/>
    public int HessianBlockLength => _w.Length;

    /// <inheritdoc/>
    public void AddScaledUnit(Span<double> x, double alpha) { for (int i = 0; i < x.Length; i++) x[i] += alpha; }

    /// <inheritdoc/>
    public void ShiftToInterior(Span<double> x)
    {
        if (x.Length == 0) return;
        // margin = min_i x_i; if not comfortably positive, x += (1 - margin) e.
        double margin = double.PositiveInfinity;
        foreach (double v in x) margin = Math.Min(margin, v);
        if (margin < SecondOrderCone.ShiftThreshold) AddScaledUnit(x, 1.0 - margin);
    }

    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda)
    {
        // w = sqrt(s / z), λ = sqrt(s z).
        for (int i = 0; i < _w.Length; i++)
        {
            if (!(s[i] > 0) || !(z[i] > 0)) return false;
            _w[i] = Math.Sqrt(s[i] / z[i]);
            lambda[i] = Math.Sqrt(s[i] * z[i]);
        }
        return true;
    }

    /// <inheritdoc/>
    public void MultiplyW(ReadOnlySpan<double> x, Span<double> y) { for (int i = 0; i < _w.Length; i++) y[i] = _w[i] * x[i]; }
    /// <inheritdoc/>
    public void MultiplyWInverse(ReadOnlySpan<double> x, Span<double> y) { for (int i = 0; i < _w.Length; i++) y[i] = x[i] / _w[i]; }
    /// <inheritdoc/>
    public void GetHessianBlock(Span<double> block) { for (int i = 0; i < _w.Length; i++) block[i] = _w[i] * _w[i]; }
    /// <inheritdoc/>
    public void JordanProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) { for (int i = 0; i < x.Length; i++) result[i] = x[i] * y[i]; }
    /// <inheritdoc/>
    public void JordanDivide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> result) { for (int i = 0; i < v.Length; i++) result[i] = v[i] / lambda[i]; }

    /// <inheritdoc/>
    public double StepLength(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax)
    {
        // α = min over dx_i < 0 of -x_i / dx_i.
        double alpha = alphaMax;
        for (int i = 0; i < x.Length; i++)
            if (dx[i] < 0) alpha = Math.Min(alpha, -x[i] / dx[i]);
        return Math.Max(alpha, 0.0);
    }

    /// <inheritdoc/>
    public double Barrier(ReadOnlySpan<double> x)
    {
        double f = 0;
        foreach (double v in x) { if (!(v > 0)) return double.PositiveInfinity; f -= Math.Log(v); }
        return f;
    }

    /// <inheritdoc/>
    public void BarrierGradient(ReadOnlySpan<double> x, Span<double> g) { for (int i = 0; i < x.Length; i++) g[i] = -1.0 / x[i]; }
    /// <inheritdoc/>
    public void BarrierHessianProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> y) { for (int i = 0; i < x.Length; i++) y[i] = v[i] / (x[i] * x[i]); }
}
