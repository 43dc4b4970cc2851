namespace ExactConvexNN.Solver.Cones;

/// <summary>
/// The zero cone {0} (equality rows): s = 0 and the dual variable is free. Its degree is 0, its W'W block is 0
/// (the KKT system keeps only the regularization there), and every scaled quantity is zero.
/// </summary>
public sealed class ZeroCone : ICone
{
    private ZeroCone(int dimension) => Dimension = dimension;

    /// <summary>A zero cone of the given dimension (0 allowed).</summary>
    public static ZeroCone Create(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        return new ZeroCone(dimension);
    }

    /// <inheritdoc/>
    public int Dimension { get; }
    /// <inheritdoc/>
    public int Degree => 0;
    /// <inheritdoc/>
    public bool HasDiagonalScaling => true;
    /// <inheritdoc/>
    public int HessianBlockLength => Dimension;
    /// <inheritdoc/>
    public void AddScaledUnit(Span<double> x, double alpha) { }
    /// <inheritdoc/>
    public void ShiftToInterior(Span<double> x) => x.Clear();
    /// <inheritdoc/>
    public bool UpdateScaling(ReadOnlySpan<double> s, ReadOnlySpan<double> z, Span<double> lambda) { lambda.Clear(); return true; }
    /// <inheritdoc/>
    public void MultiplyW(ReadOnlySpan<double> x, Span<double> y) => y.Clear();
    /// <inheritdoc/>
    public void MultiplyWInverse(ReadOnlySpan<double> x, Span<double> y) => y.Clear();
    /// <inheritdoc/>
    public void GetHessianBlock(Span<double> block) => block.Clear();
    /// <inheritdoc/>
    public void JordanProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> result) => result.Clear();
    /// <inheritdoc/>
    public void JordanDivide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> v, Span<double> result) => result.Clear();
    /// <inheritdoc/>
    public double StepLength(ReadOnlySpan<double> x, ReadOnlySpan<double> dx, double alphaMax) => alphaMax;
    /// <inheritdoc/>
    public double Barrier(ReadOnlySpan<double> x) => 0.0;
    /// <inheritdoc/>
    public void BarrierGradient(ReadOnlySpan<double> x, Span<double> g) => g.Clear();
    /// <inheritdoc/>
    public void BarrierHessianProduct(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> y) => y.Clear();
}
